"""The spec's permission API (3.5.7): verify a permission, list the role model, sync staff roles."""
