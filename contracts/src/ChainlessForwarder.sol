// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ERC2771Forwarder} from "@openzeppelin/contracts/metatx/ERC2771Forwarder.sol";

/// @title Chainless ERC-2771 forwarder
/// @notice The platform's trusted forwarder for sponsored (gasless) calls: a user signs an EIP-712
/// `ForwardRequest(address from,address to,uint256 value,uint256 gas,uint256 nonce,uint48 deadline,
/// bytes data)`, the platform's relayer submits it with `execute` / `executeBatch` and pays the gas,
/// and the target (an ERC-2771 recipient trusting this forwarder) sees the user as `_msgSender()`.
/// @dev Everything is OpenZeppelin's audited ERC2771Forwarder; this contract only fixes the EIP-712
/// domain: name "ChainlessForwarder", version "1" (OpenZeppelin's constant), the chain id and this
/// contract's address. `eip712Domain()` (ERC-5267) returns it, so clients can check what they sign.
contract ChainlessForwarder is ERC2771Forwarder {
    constructor() ERC2771Forwarder("ChainlessForwarder") {}
}
