"""The transaction relay (spec 3.5.5): app backends submit user-signed transactions; the relay
checks them against the user's grant and the app's policy, broadcasts them and tracks them."""
