// A wallet host on the other end of the iframe channel, for unit tests: it receives what the
// SDK posts and answers with real `message` events from its origin.
import { iframeTransport, type Transport } from "../src/transport.js";
import type { JsonRpcRequest } from "../src/protocol.js";

export const HOST_ORIGIN = "https://wallet.chainless.test";

export type Handler = (params: unknown, request: JsonRpcRequest) => unknown;

export class FakeHost {
  readonly received: Array<{ message: JsonRpcRequest; targetOrigin: string }> = [];
  readonly handlers = new Map<string, Handler>();
  /** When false the host stays silent (a dead or foreign parent). */
  answering = true;
  readonly transport: Transport;

  constructor(readonly info: Record<string, unknown> = {}) {
    this.transport = iframeTransport({
      hostOrigin: HOST_ORIGIN,
      target: { postMessage: (message, targetOrigin) => this.receive(message as JsonRpcRequest, targetOrigin) },
      expectedSource: window,
    });
    this.handlers.set("chainless_handshake", () => ({
      protocol: "1.0",
      host: { name: "test host", version: "0" },
      methods: ["eth_requestAccounts", "eth_chainId", "eth_call", "eth_estimateGas", "eth_signTypedData_v4", "personal_sign"],
      issuer: "https://open.chainless.test",
      ...this.info,
    }));
  }

  /** Deliver `data` to the SDK as the host would (or as anyone else would, with `origin`). */
  post(data: unknown, origin = HOST_ORIGIN, source: Window | null = window): void {
    window.dispatchEvent(new MessageEvent("message", { data, origin, source }));
  }

  notify(method: string, params: unknown): void {
    this.post({ jsonrpc: "2.0", method, params });
  }

  private receive(message: JsonRpcRequest, targetOrigin: string): void {
    this.received.push({ message, targetOrigin });
    if (!this.answering) return;
    const handler = this.handlers.get(message.method);
    queueMicrotask(async () => {
      if (!handler) {
        this.post({ jsonrpc: "2.0", id: message.id, error: { code: 4200, message: `unsupported ${message.method}` } });
        return;
      }
      try {
        this.post({ jsonrpc: "2.0", id: message.id, result: await handler(message.params, message) });
      } catch (error) {
        const e = error as { code?: number; message?: string };
        this.post({ jsonrpc: "2.0", id: message.id, error: { code: e.code ?? -32603, message: e.message ?? "failed" } });
      }
    });
  }
}
