// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {Context} from "@openzeppelin/contracts/utils/Context.sol";

/// @title CRC20: the Chainless standard fungible token (ERC-20 + EIP-2612 permit)
/// @notice An ERC-20 token with 18 decimals whose owner may mint. Holders can approve by signature
/// (EIP-2612 `permit`) and transfer through the platform's ERC-2771 forwarder without holding gas.
/// @dev `_msgSender()` resolves through ERC2771Context, so every ERC-20 and Ownable path (transfer,
/// approve, mint) sees the user behind a forwarded call, never the forwarder.
contract CRC20 is ERC20, ERC20Permit, Ownable, ERC2771Context {
    /// @param name_ token name; also the EIP-712 domain name of `permit`
    /// @param symbol_ token symbol
    /// @param initialSupply amount (in base units) minted to `initialOwner`
    /// @param initialOwner the owner, allowed to mint
    /// @param trustedForwarder_ the ERC-2771 forwarder this token trusts (zero: none)
    constructor(
        string memory name_,
        string memory symbol_,
        uint256 initialSupply,
        address initialOwner,
        address trustedForwarder_
    )
        ERC20(name_, symbol_)
        ERC20Permit(name_)
        Ownable(initialOwner)
        ERC2771Context(trustedForwarder_)
    {
        if (initialSupply > 0) {
            _mint(initialOwner, initialSupply);
        }
    }

    /// @notice Create `amount` tokens for `to`. Only the owner.
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }

    function _msgSender() internal view override(Context, ERC2771Context) returns (address) {
        return ERC2771Context._msgSender();
    }

    function _msgData() internal view override(Context, ERC2771Context) returns (bytes calldata) {
        return ERC2771Context._msgData();
    }

    function _contextSuffixLength()
        internal
        view
        override(Context, ERC2771Context)
        returns (uint256)
    {
        return ERC2771Context._contextSuffixLength();
    }
}
