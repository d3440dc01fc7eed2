// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";

/// @title SampleRecipient: a guestbook that accepts sponsored calls
/// @notice The smallest useful ERC-2771 recipient, for the relay tests and the developer docs:
/// `sign` records `_msgSender()` (the user behind a forwarded call, or the caller of a direct one),
/// and `alwaysReverts` fails with a custom error so the relay can show that it simulates a request
/// before paying for it.
contract SampleRecipient is ERC2771Context {
    struct Entry {
        address author;
        string message;
    }

    Entry[] private _entries;

    /// @notice How many entries each address wrote.
    mapping(address author => uint256 count) public entriesBy;

    /// @notice The author of the most recent entry.
    address public lastAuthor;

    event Signed(address indexed author, uint256 indexed index, string message);

    /// @notice Raised by `alwaysReverts`, carrying the resolved sender.
    error SampleRecipientRefused(address sender);

    /// @param trustedForwarder_ the ERC-2771 forwarder whose requests are attributed to their signer
    constructor(address trustedForwarder_) ERC2771Context(trustedForwarder_) {}

    /// @notice Add an entry by `_msgSender()`; returns its index.
    function sign(string calldata message) external returns (uint256 index) {
        address author = _msgSender();
        index = _entries.length;
        _entries.push(Entry({author: author, message: message}));
        entriesBy[author] += 1;
        lastAuthor = author;
        emit Signed(author, index, message);
    }

    /// @notice Always reverts with `SampleRecipientRefused(_msgSender())`.
    function alwaysReverts() external view {
        revert SampleRecipientRefused(_msgSender());
    }

    /// @notice The sender this contract sees for the current call.
    function whoAmI() external view returns (address) {
        return _msgSender();
    }

    /// @notice The number of entries.
    function entryCount() external view returns (uint256) {
        return _entries.length;
    }

    /// @notice Entry `index` (author and message).
    function entry(uint256 index) external view returns (address author, string memory message) {
        Entry storage stored = _entries[index];
        return (stored.author, stored.message);
    }
}
