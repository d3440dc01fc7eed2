import {
  concat,
  createWalletClient,
  custom,
  encodeAbiParameters,
  keccak256,
  recoverTypedDataAddress,
  toFunctionSelector,
  toHex,
  type TypedDataDefinition,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { createChainless } from "../src/client.js";
import { ErrorCode } from "../src/errors.js";
import { PROVIDER_RDNS } from "../src/provider.js";
import { NONCES_SELECTOR } from "../src/sponsored.js";
import { FakeHost } from "./host.js";

// anvil's first development key: public test material
const user = privateKeyToAccount("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
const FORWARDER = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const RECIPIENT = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";

function walletHost(): FakeHost {
  const host = new FakeHost();
  host.handlers.set("eth_requestAccounts", () => [user.address]);
  host.handlers.set("eth_chainId", () => "0x7a69");
  host.handlers.set("personal_sign", async (params) => {
    const [message] = params as [`0x${string}`];
    return user.signMessage({ message: { raw: message } });
  });
  host.handlers.set("eth_signTypedData_v4", async (params) => {
    const [, json] = params as [string, string];
    return user.signTypedData(JSON.parse(json) as TypedDataDefinition);
  });
  host.handlers.set("chainless_forwarder", () => ({ address: FORWARDER, chainId: "0x7a69" }));
  host.handlers.set("eth_call", () => toHex(5n, { size: 32 }));
  host.handlers.set("eth_estimateGas", () => "0x186a0");
  return host;
}

describe("EIP-1193 provider", () => {
  it("viem works on it unchanged", async () => {
    const host = walletHost();
    const sdk = createChainless({ appId: "app_1", transport: host.transport, announce: false });
    const wallet = createWalletClient({ transport: custom(sdk.provider) });
    expect(await wallet.requestAddresses()).toEqual([user.address]);
    expect(await wallet.getChainId()).toBe(31337);
    const signature = await wallet.signMessage({ account: user.address, message: "hello" });
    expect(signature).toBe(await user.signMessage({ message: "hello" }));
    sdk.close();
  });

  it("viem sends transactions, signs typed data, switches chains and reads through the host", async () => {
    const host = walletHost();
    const sent: unknown[] = [];
    host.info.methods = [
      "eth_requestAccounts", "eth_chainId", "eth_sendTransaction", "eth_signTypedData_v4",
      "wallet_switchEthereumChain", "eth_getBalance",
    ];
    host.handlers.set("eth_sendTransaction", (params) => {
      sent.push((params as unknown[])[0]);
      return "0x" + "ab".repeat(32);
    });
    host.handlers.set("wallet_switchEthereumChain", (params) => {
      const [{ chainId }] = params as [{ chainId: string }];
      if (chainId !== "0x1") throw { code: 4902, message: "Unrecognized chain ID" };
      return null;
    });
    host.handlers.set("eth_getBalance", () => "0xde0b6b3a7640000");
    const sdk = createChainless({ appId: "app_1", transport: host.transport, announce: false });
    const wallet = createWalletClient({ account: user.address, transport: custom(sdk.provider) });
    const hash = await wallet.sendTransaction({ account: user.address, chain: null, to: RECIPIENT, value: 1n });
    expect(hash).toBe("0x" + "ab".repeat(32));
    expect(sent[0]).toMatchObject({ to: RECIPIENT, value: "0x1" });
    expect((sent[0] as { from: string }).from.toLowerCase()).toBe(user.address.toLowerCase());
    const typed = {
      domain: { name: "Test", version: "1", chainId: 31337 },
      types: { Mail: [{ name: "contents", type: "string" }] },
      primaryType: "Mail" as const,
      message: { contents: "hi" },
    };
    expect(await wallet.signTypedData({ account: user.address, ...typed })).toBe(await user.signTypedData(typed));
    await wallet.switchChain({ id: 1 });
    await expect(wallet.switchChain({ id: 999 })).rejects.toMatchObject({ code: 4902 });
    const { createPublicClient } = await import("viem");
    const reader = createPublicClient({ transport: custom(sdk.provider) });
    expect(await reader.getBalance({ address: user.address })).toBe(10n ** 18n);
    sdk.close();
  });

  it("refuses a method the host does not offer with 4200, before sending it", async () => {
    const host = walletHost();
    const sdk = createChainless({ appId: "app_1", transport: host.transport, announce: false });
    await expect(sdk.provider.request({ method: "eth_sign", params: [] })).rejects.toMatchObject({
      code: ErrorCode.UnsupportedMethod,
    });
    expect(host.received.map((r) => r.message.method)).not.toContain("eth_sign");
    sdk.close();
  });

  it("passes the host's accountsChanged and chainChanged on", async () => {
    const host = walletHost();
    const sdk = createChainless({ appId: "app_1", transport: host.transport, announce: false });
    const seen: unknown[] = [];
    sdk.provider.on("accountsChanged", (accounts) => seen.push(accounts));
    sdk.on("chainChanged", (chainId) => seen.push(chainId));
    host.notify("chainless_event", { type: "accountsChanged", data: [RECIPIENT] });
    host.notify("chainless_event", { type: "chainChanged", data: "0x1" });
    expect(seen).toEqual([[RECIPIENT], "0x1"]);
    sdk.close();
  });

  it("is announced with EIP-6963", () => {
    const host = walletHost();
    const found: Array<{ info: { name: string; rdns: string; uuid: string }; provider: unknown }> = [];
    const listener = (event: Event) => found.push((event as CustomEvent).detail);
    window.addEventListener("eip6963:announceProvider", listener);
    const sdk = createChainless({ appId: "app_1", transport: host.transport });
    window.dispatchEvent(new Event("eip6963:requestProvider"));
    expect(found).toHaveLength(2);
    expect(found[0]!.info).toMatchObject({ name: "Chainless", rdns: PROVIDER_RDNS });
    expect(found[0]!.provider).toBe(sdk.provider);
    expect(Object.isFrozen(found[0])).toBe(true);
    window.removeEventListener("eip6963:announceProvider", listener);
    sdk.close();
  });
});

describe("sponsored calls", () => {
  it("signs the forwarder's exact ForwardRequest and returns the relay's body", async () => {
    const host = walletHost();
    const sdk = createChainless({ appId: "app_1", transport: host.transport, announce: false });
    const data = "0xa9059cbb";
    const sponsored = await sdk.sendSponsored({ to: RECIPIENT, data, deadline: 1764400600 });
    expect(sponsored.request).toEqual({
      from: user.address,
      to: RECIPIENT,
      value: "0",
      gas: "125000",
      nonce: "5",
      deadline: "1764400600",
      data,
    });
    // the nonce came from the forwarder's nonces(from)
    const call = host.received.find((r) => r.message.method === "eth_call")!.message.params as [{ to: string; data: string }];
    expect(call[0].to).toBe(FORWARDER);
    expect(call[0].data.slice(0, 10)).toBe(toFunctionSelector("nonces(address)"));
    expect(NONCES_SELECTOR).toBe(toFunctionSelector("nonces(address)"));

    // the digest OpenZeppelin's ERC2771Forwarder computes, from the contract's type string
    const typeHash = keccak256(
      toHex("ForwardRequest(address from,address to,uint256 value,uint256 gas,uint256 nonce,uint48 deadline,bytes data)"),
    );
    const domainHash = keccak256(
      encodeAbiParameters(
        [{ type: "bytes32" }, { type: "bytes32" }, { type: "bytes32" }, { type: "uint256" }, { type: "address" }],
        [
          keccak256(toHex("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")),
          keccak256(toHex("ChainlessForwarder")),
          keccak256(toHex("1")),
          31337n,
          FORWARDER,
        ],
      ),
    );
    const structHash = keccak256(
      encodeAbiParameters(
        [
          { type: "bytes32" },
          { type: "address" },
          { type: "address" },
          { type: "uint256" },
          { type: "uint256" },
          { type: "uint256" },
          { type: "uint48" },
          { type: "bytes32" },
        ],
        [typeHash, user.address, RECIPIENT, 0n, 125000n, 5n, 1764400600, keccak256(data)],
      ),
    );
    const digest = keccak256(concat(["0x1901", domainHash, structHash]));
    const { recoverAddress } = await import("viem");
    expect(await recoverAddress({ hash: digest, signature: sponsored.signature as `0x${string}` })).toBe(user.address);
    expect(
      await recoverTypedDataAddress({
        domain: { name: "ChainlessForwarder", version: "1", chainId: 31337, verifyingContract: FORWARDER },
        types: {
          ForwardRequest: [
            { name: "from", type: "address" },
            { name: "to", type: "address" },
            { name: "value", type: "uint256" },
            { name: "gas", type: "uint256" },
            { name: "nonce", type: "uint256" },
            { name: "deadline", type: "uint48" },
            { name: "data", type: "bytes" },
          ],
        },
        primaryType: "ForwardRequest",
        message: { ...sponsored.request, value: 0n, gas: 125000n, nonce: 5n, deadline: 1764400600 } as never,
        signature: sponsored.signature as `0x${string}`,
      }),
    ).toBe(user.address);
    sdk.close();
  });

  it("refuses value before asking the user to sign", async () => {
    const host = walletHost();
    const sdk = createChainless({ appId: "app_1", transport: host.transport, announce: false });
    await expect(sdk.sendSponsored({ to: RECIPIENT, value: 1n })).rejects.toMatchObject({
      code: ErrorCode.InvalidParams,
      data: { field: "value" },
    });
    expect(host.received).toHaveLength(0);
    sdk.close();
  });
});
