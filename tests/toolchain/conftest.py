"""Fixtures for the toolchain tests: the project's solc command and small Solidity sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainless.platform.toolchain import solc_path

COUNTER = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title A counter
contract Counter {
    uint256 public count;
    event Bumped(address indexed by, uint256 count);

    /// @notice Add `by` to the count
    function bump(uint256 by) external returns (uint256) {
        count += by;
        emit Bumped(msg.sender, count);
        return count;
    }
}
"""

TOKEN = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

contract ChainlessToken is ERC20, Ownable {
    constructor(uint256 supply) ERC20("Chainless Token", "CLT") Ownable(msg.sender) {
        _mint(msg.sender, supply);
    }

    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
"""

TX_ORIGIN = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

contract Vault {
    address private owner;

    constructor() payable {
        owner = msg.sender;
    }

    function sweep(address payable to) external {
        require(tx.origin == owner, "not owner");
        to.transfer(address(this).balance);
    }
}
"""

REENTRANT = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

contract Bank {
    mapping(address => uint256) public balances;

    function deposit() external payable {
        balances[msg.sender] += msg.value;
    }

    function withdraw() external {
        uint256 amount = balances[msg.sender];
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok, "transfer failed");
        balances[msg.sender] = 0;
    }
}
"""


@pytest.fixture(scope="session")
def solc() -> Path:
    """The toolchain's solc command (a ToolchainMissing error says to run `make setup`)."""
    return solc_path()


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    """A folder with the sample contracts, one per file."""
    for name, text in {
        "Counter.sol": COUNTER,
        "Token.sol": TOKEN,
        "Vault.sol": TX_ORIGIN,
        "Bank.sol": REENTRANT,
    }.items():
        (tmp_path / name).write_text(text)
    return tmp_path
