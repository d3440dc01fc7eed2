"""The platform's relayer accounts: keys per chain, nonces, fees and their balance.

Sponsored calls (ERC-2771) are sent by platform-owned keys that pay the gas. ``keys`` loads them
(never logging a key), ``nonces`` hands out each account's nonces without gaps or repeats across
requests and worker processes, ``fees`` prices EIP-1559 transactions from the node under the
chain's fee policy, and ``signing`` puts it together, raising a low-balance alert on the way.
"""
