/** JSON-RPC to the sandbox's anvil through the sandbox server (`POST /rpc`). */
import { Code, HostError } from "./protocol.js";

let counter = 0;

export async function rpc(method: string, params: unknown): Promise<unknown> {
  let answer: { result?: unknown; error?: { code: number; message: string; data?: unknown } };
  try {
    const response = await fetch("/rpc", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++counter, method, params }),
    });
    answer = (await response.json()) as typeof answer;
  } catch (error) {
    throw new HostError(Code.Disconnected, `the sandbox's chain cannot be reached: ${String(error)}`);
  }
  if (answer.error) throw new HostError(answer.error.code, answer.error.message, answer.error.data);
  return answer.result;
}
