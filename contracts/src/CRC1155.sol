// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {ERC1155Supply} from "@openzeppelin/contracts/token/ERC1155/extensions/ERC1155Supply.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {Context} from "@openzeppelin/contracts/utils/Context.sol";

/// @title CRC1155: the Chainless standard multi-token (ERC-1155)
/// @notice ERC-1155 with per-id and total supply tracking, minted by the owner. `name` and `symbol`
/// are for wallets and explorers only (ERC-1155 defines neither). Transfers may go through the
/// platform's ERC-2771 forwarder.
/// @dev The URI is the ERC-1155 `{id}` template (clients substitute the 64-hex-digit id).
contract CRC1155 is ERC1155, ERC1155Supply, Ownable, ERC2771Context {
    string public name;
    string public symbol;

    /// @param name_ collection name (display only)
    /// @param symbol_ collection symbol (display only)
    /// @param uri_ metadata URI template, e.g. `https://cdn.example/{id}.json`
    /// @param initialOwner the owner, allowed to mint and to change the URI
    /// @param trustedForwarder_ the ERC-2771 forwarder this collection trusts (zero: none)
    constructor(
        string memory name_,
        string memory symbol_,
        string memory uri_,
        address initialOwner,
        address trustedForwarder_
    ) ERC1155(uri_) Ownable(initialOwner) ERC2771Context(trustedForwarder_) {
        name = name_;
        symbol = symbol_;
    }

    /// @notice Mint `amount` of token `id` to `to`. Only the owner.
    function mint(address to, uint256 id, uint256 amount, bytes calldata data) external onlyOwner {
        _mint(to, id, amount, data);
    }

    /// @notice Mint several ids at once to `to`. Only the owner.
    function mintBatch(
        address to,
        uint256[] calldata ids,
        uint256[] calldata amounts,
        bytes calldata data
    ) external onlyOwner {
        _mintBatch(to, ids, amounts, data);
    }

    /// @notice Change the metadata URI template. Only the owner.
    function setURI(string calldata newURI) external onlyOwner {
        _setURI(newURI);
    }

    function _update(
        address from,
        address to,
        uint256[] memory ids,
        uint256[] memory values
    ) internal override(ERC1155, ERC1155Supply) {
        super._update(from, to, ids, values);
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
