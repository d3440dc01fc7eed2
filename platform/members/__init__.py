"""App operators (spec 3.2 小程序运营者): people a developer invites to work on one app."""
