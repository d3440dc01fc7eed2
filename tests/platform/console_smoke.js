// A smoke run of the console page's script on a tiny stand-in DOM, with fetch answered here:
// node console_smoke.js <console.html>  (run by tests/platform/test_console.py when node exists)
const assert = require("assert");
const fs = require("fs");
const page = fs.readFileSync(process.argv[2], "utf8");
const js = page.match(/<script>([\s\S]*)<\/script>/)[1];
class El {
  constructor(tag) { this.tag = tag; this.children = []; this.attrs = {}; this.listeners = {}; this._text = ""; this.className = "";
    const self = this; this.classList = { toggle(c, on) { const s = new Set(self.className.split(" ").filter(Boolean)); on ? s.add(c) : s.delete(c); self.className = [...s].join(" "); } }; this.value = ""; }
  set textContent(t) { this.children = []; this._text = String(t); }
  get textContent() { return this._text + this.children.map(c => typeof c === "string" ? c : c.textContent).join(""); }
  append(...cs) { this.children.push(...cs); }
  replaceChildren(...cs) { this._text = ""; this.children = cs; }
  setAttribute(k, v) { this.attrs[k] = v; }
  addEventListener(k, f) { this.listeners[k] = f; }
  scrollIntoView() {}
}
global.Node = El;
const els = {};
global.document = { cookie: "chainless_csrf=abc", getElementById: id => els[id] || (els[id] = new El("div")), createElement: t => new El(t) };
els["release-env"] = new El("select"); els["release-env"].value = "dev";
els["canary-percent"] = new El("input"); els["canary-percent"].value = "25";
global.location = { search: "", pathname: "/console", href: "" };
global.confirm = () => true;
global.FormData = class { constructor(el) { this.e = Object.entries(el.fields || {}); } [Symbol.iterator]() { return this.e[Symbol.iterator](); } };
const calls = [];
let polls = 0;
const responses = (method, url, body) => {
  if (url === "/api/v1/accounts/me") return [200, {email: "d@x", email_verified: true}];
  if (url === "/api/v1/apps") return [200, [{name: "<b>G</b>", app_id: "app1", status: 0}]];
  if (url === "/api/v1/apps/app1/deploy") return [200, {repo_url: "https://github.com/a/b", repo_branch: "main"}];
  if (url === "/api/v1/apps/app1/deployments" && method === "GET") return [200, [{id: "d1", created_at: "2026-01-01T00:00:00Z", environment: "dev", ref: "main", commit_sha: null, status: "queued", stage: null}]];
  if (url === "/api/v1/apps/app1/deployments" && method === "POST") return [202, {id: "d1", ref: "main", environment: "dev", status: "queued"}];
  if (url.startsWith("/api/v1/apps/app1/deployments/d1?after=")) {
    polls++;
    const after = Number(url.split("=")[1]);
    const all = [
      {id: 1, at: "2026-01-01T00:00:00Z", stage: "queue", status: "queued", message: "", data: {}},
      {id: 2, at: "2026-01-01T00:00:01Z", stage: "source", status: "started", message: "", data: {}},
      {id: 3, at: "2026-01-01T00:00:02Z", stage: "source", status: "succeeded", message: "ok", data: {}},
      {id: 4, at: "2026-01-01T00:00:03Z", stage: "frontend", status: "started", message: "", data: {}},
      {id: 5, at: "2026-01-01T00:00:04Z", stage: "frontend", status: "failed", message: "step 'npm run build' failed", data: {code: "build_failed", log_tail: "Error: <script>boom</script>"}},
    ];
    const upto = polls === 1 ? 2 : 5;
    const events = all.filter(e => e.id > after && e.id <= upto);
    const done = upto === 5;
    return [200, {id: "d1", status: done ? "failed" : "running", stage: "frontend", error_code: done ? "build_failed" : null, error_detail: done ? "step 'npm run build' failed" : null,
      stages: ["source", "compile", "audit", "contracts", "frontend", "release"], events}];
  }
  if (url === "/api/v1/apps/app1/environments/dev/releases") return [200, {current: "1.0.0", canary: "1.1.0", canary_percent: 10, releases: [
    {version: "1.1.0", status: "canary", commit_sha: "abcdef0123456", created_at: "2026-01-01T00:00:00Z"},
    {version: "1.0.0", status: "current", commit_sha: "abcdef0123456", created_at: "2026-01-01T00:00:00Z"},
    {version: "0.9.0", status: "published", commit_sha: "abcdef0123456", created_at: "2026-01-01T00:00:00Z"}]}];
  if (url === "/api/v1/apps/app1/environments/dev/history") return [200, [{at: "2026-01-01T00:00:00Z", action: "canary", version: "1.1.0", previous_version: "1.0.0", canary_percent: 10, commit_sha: "abc", actor: "acc", reason: ""}]];
  if (url.endsWith("/rollback")) return [409, {title: "Conflict", code: "release_not_found", detail: "no release 0.9.0"}];
  return [200, {}];
};
global.fetch = async (url, opts) => {
  calls.push([opts.method, url, opts.body]);
  const [status, data] = responses(opts.method, url, opts.body && JSON.parse(opts.body));
  const problem = status >= 400;
  return { status, ok: status < 400, headers: { get: () => problem ? "application/problem+json" : "application/json" }, json: async () => data, text: async () => JSON.stringify(data) };
};
global.setTimeout = (f) => Promise.resolve().then(f);
const texts = (id) => document.getElementById(id).children.map(r => r.textContent);
eval(js + `
;(async () => {
  await refresh();
  assert.match(texts("app-rows")[0], /^<b>G<\\/b>app1in developmentDeployments$/);
  await openDeployments({name: "<b>G</b>", app_id: "app1"});
  assert.equal(document.getElementById("deploy-app-name").textContent, "<b>G</b>");
  assert.equal(document.getElementById("deploy-repo").textContent, "Repository: https://github.com/a/b (branch main)");
  assert.equal(texts("deployment-rows").length, 1);
  const deployForm = document.getElementById("deploy-form");
  deployForm.fields = {environment: "dev", ref: " main ", rollout: "staged"};
  await deployForm.onsubmit({preventDefault() {}, target: deployForm});
  for (let i = 0; i < 50; i++) await new Promise(r => setImmediate(r));
  assert.equal(document.getElementById("deploy-message").textContent, "Deployment d1 of main to dev is queued.");
  assert.equal(polls, 2, "polled until the deployment finished");
  assert.deepEqual(calls.filter(c => c[1].includes("?after=")).map(c => c[1].split("?")[1]), ["after=0", "after=2"]);
  assert.equal(document.getElementById("progress-status").textContent, "failed");
  const stages = texts("progress-stages");
  assert.match(stages[0], /^source — succeeded/);
  assert.match(stages[4], /^frontend — failed/);
  assert.match(stages[5], /^release — not started/);
  assert.equal(document.getElementById("progress-error").textContent, "frontend: step 'npm run build' failed (build_failed)");
  assert.equal(document.getElementById("progress-log").textContent, "Error: <script>boom</script>");
  assert.equal(document.getElementById("progress-failure").className, "");
  assert.equal(texts("progress-events").length, 5);
  assert.equal(document.getElementById("channel").textContent, "Current: 1.0.0 · canary: 1.1.0 to 10% of users");
  const releases = document.getElementById("release-rows").children;
  assert.match(releases[0].textContent, /^1\\.1\\.0canary \\(10%\\)/);
  assert.equal(releases[1].children[4].children.filter(Boolean).length, 0, "no actions on the current release");
  assert.equal(texts("history-rows").length, 1);
  const [canary, promote, rollback] = releases[2].children[4].children.filter(Boolean);
  await rollback.listeners.click();
  assert.equal(document.getElementById("release-message").textContent, "no release 0.9.0 (release_not_found)");
  await canary.listeners.click();
  await promote.listeners.click();
  await document.getElementById("cancel-canary").onclick();
  assert.deepEqual(calls.filter(c => c[0] === "POST").map(c => c.join(" ")), [
    'POST /api/v1/apps/app1/deployments {"environment":"dev","rollout":"staged","ref":"main"}',
    'POST /api/v1/apps/app1/environments/dev/rollback {"version":"0.9.0"}',
    'POST /api/v1/apps/app1/environments/dev/releases/0.9.0/canary {"percent":25}',
    'POST /api/v1/apps/app1/environments/dev/releases/0.9.0/promote ',
    'POST /api/v1/apps/app1/environments/dev/canary/cancel ',
  ]);
  console.log("ok");
})().catch(e => { console.error(e); process.exit(1); });
`);
