// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";

/// @title SmartWallet1271: a minimal contract wallet with one ECDSA owner
/// @notice Signs for itself through EIP-1271: `isValidSignature(hash, signature)` answers the magic
/// value 0x1626ba7e when `signature` is the owner's ECDSA signature of `hash`, else 0xffffffff.
/// Sign-In with Ethereum (EIP-4361) verifies a contract account this way: it passes the EIP-191
/// `personal_sign` hash of the message and the owner's `personal_sign` signature of that message.
/// The owner can also make the wallet call other contracts or send ether (`execute`).
contract SmartWallet1271 is IERC1271 {
    bytes4 private constant _INVALID_SIGNATURE = 0xffffffff;

    /// @notice The externally owned account that controls this wallet.
    address public immutable owner;

    event Executed(address indexed target, uint256 value, bytes data);

    error SmartWalletZeroOwner();
    error SmartWalletUnauthorized(address caller);

    constructor(address owner_) {
        if (owner_ == address(0)) revert SmartWalletZeroOwner();
        owner = owner_;
    }

    receive() external payable {}

    /// @inheritdoc IERC1271
    /// @dev Plain ECDSA against the owner (not SignatureChecker: an EIP-7702 delegated owner has
    /// code, and SignatureChecker would then ask it for ERC-1271 instead of recovering). Never
    /// reverts on a malformed signature (EIP-1271 callers expect an answer): any recovery error
    /// gives 0xffffffff. Malleable (high-s) signatures are refused by OpenZeppelin's ECDSA.
    function isValidSignature(
        bytes32 hash,
        bytes calldata signature
    ) external view returns (bytes4 magicValue) {
        // The third value only details the error (e.g. the bad length): not needed for a yes/no.
        // slither-disable-next-line unused-return
        (address signer, ECDSA.RecoverError error_, ) = ECDSA.tryRecoverCalldata(hash, signature);
        if (error_ == ECDSA.RecoverError.NoError && signer == owner) {
            return IERC1271.isValidSignature.selector;
        }
        return _INVALID_SIGNATURE;
    }

    /// @notice Call `target` with `value` wei and `data` from this wallet (a plain ether payment
    /// when `data` is empty). Only the owner. A failing call reverts with the target's reason.
    /// @dev A low-level call rather than `Address.functionCallWithValue`, which refuses targets
    /// without code and so would refuse paying an externally owned account.
    function execute(
        address target,
        uint256 value,
        bytes calldata data
    ) external returns (bytes memory result) {
        if (msg.sender != owner) revert SmartWalletUnauthorized(msg.sender);
        emit Executed(target, value, data);
        (bool success, bytes memory returndata) = target.call{value: value}(data);
        return Address.verifyCallResult(success, returndata);
    }
}
