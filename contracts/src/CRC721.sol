// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC721Enumerable} from "@openzeppelin/contracts/token/ERC721/extensions/ERC721Enumerable.sol";
import {ERC721URIStorage} from "@openzeppelin/contracts/token/ERC721/extensions/ERC721URIStorage.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {Context} from "@openzeppelin/contracts/utils/Context.sol";

/// @title CRC721: the Chainless standard non-fungible token (ERC-721)
/// @notice ERC-721 with per-token URIs (ERC-4906 metadata events), on-chain enumeration and
/// sequential ids starting at 1, minted by the owner. Transfers may go through the platform's
/// ERC-2771 forwarder.
/// @dev `tokenURI` is `baseURI + tokenURI(id)` when both are set, the stored URI alone without a
/// base URI, and `baseURI + id` without a stored URI (OpenZeppelin ERC721URIStorage).
contract CRC721 is ERC721, ERC721Enumerable, ERC721URIStorage, Ownable, ERC2771Context {
    string private _baseTokenURI;
    uint256 private _lastTokenId;

    /// @param name_ collection name
    /// @param symbol_ collection symbol
    /// @param baseURI_ prefix of every token URI (may be empty)
    /// @param initialOwner the owner, allowed to mint and to change the base URI
    /// @param trustedForwarder_ the ERC-2771 forwarder this collection trusts (zero: none)
    constructor(
        string memory name_,
        string memory symbol_,
        string memory baseURI_,
        address initialOwner,
        address trustedForwarder_
    ) ERC721(name_, symbol_) Ownable(initialOwner) ERC2771Context(trustedForwarder_) {
        _baseTokenURI = baseURI_;
    }

    /// @notice Mint the next token id to `to` with the URI suffix `uri`. Only the owner.
    /// @dev State is written before `_safeMint` calls `onERC721Received` on a contract recipient.
    function safeMint(address to, string calldata uri) external onlyOwner returns (uint256 tokenId) {
        tokenId = ++_lastTokenId;
        _setTokenURI(tokenId, uri);
        _safeMint(to, tokenId);
    }

    /// @notice Change the base URI of every token (emits ERC-4906 BatchMetadataUpdate).
    function setBaseURI(string calldata baseURI_) external onlyOwner {
        _baseTokenURI = baseURI_;
        if (_lastTokenId > 0) {
            emit BatchMetadataUpdate(1, _lastTokenId);
        }
    }

    function tokenURI(
        uint256 tokenId
    ) public view override(ERC721, ERC721URIStorage) returns (string memory) {
        return super.tokenURI(tokenId);
    }

    function supportsInterface(
        bytes4 interfaceId
    ) public view override(ERC721, ERC721Enumerable, ERC721URIStorage) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    function _baseURI() internal view override returns (string memory) {
        return _baseTokenURI;
    }

    function _update(
        address to,
        uint256 tokenId,
        address auth
    ) internal override(ERC721, ERC721Enumerable) returns (address) {
        return super._update(to, tokenId, auth);
    }

    function _increaseBalance(
        address account,
        uint128 amount
    ) internal override(ERC721, ERC721Enumerable) {
        super._increaseBalance(account, amount);
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
