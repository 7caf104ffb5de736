#!/usr/bin/python3
"""The web view in a real browser: bgpemud on the reference topology with its HTTP server
on, headless Chromium driven over the DevTools Protocol, and the page checked against
the daemon's own API answers.

  web_test.py --bgpemud PATH --source-dir DIR [--port-base N] [--screenshot PATH]

It loads the page with the change token in the URL's fragment, then checks that every
speaker of configs/azure-interop.yaml is drawn with its sessions in the API's state,
runs the article's trace loc1-vm -> hub-vm in the page (the hops the API gives, the
silent `*` hop marked), fails the ExpressRoute link from the page (its session drops,
the trace moves to the VPN), restores it, and checks the matrix grid and the event log.
--screenshot saves a PNG while the trace is drawn (doc/guide/web-view.png).

Exit status: 0 passed, 1 a check failed (the message says which), 77 skipped: only when
Chromium cannot start or python3-websocket is missing. Debian's python and chromium
(/usr/bin/python3, /usr/bin/chromium); traffic on 127.0.0.1 only; every wait bounded.
"""
import argparse
import base64
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

SKIP = 77
# Below CTest's 90 s, with room left for stopping the browser and the daemon.
TOTAL_BUDGET_S = 75
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-proxy-server", "--disable-dev-shm-usage", "--window-size=1600,1150", "--remote-debugging-port=0",
]
# The article's trace (Location 1's VM to the hub's) and the CE whose ExpressRoute link fails.
TRACE_FROM, TRACE_TO = "loc1-vm", "hub-vm"
FAILED_CE = "loc1-ce1"
REFERENCE_SPEAKERS = 12


def http_section(listen, token_file):
    """The config's `daemon.http` keys (doc/reference/configuration.md#daemon)."""
    return f"{{listen: {listen}, allow_changes: true, token_file: {token_file}}}"


class CheckFailed(Exception):
    pass


class Skip(Exception):
    pass


class Budget:
    """One deadline for the whole test: every wait takes at most what is left of it."""

    def __init__(self, seconds):
        self.deadline = time.monotonic() + seconds

    def left(self, wanted):
        return max(0.0, min(wanted, self.deadline - time.monotonic()))


def wait_for(budget, what, probe, timeout, interval=0.1):
    """Polls probe() until it returns something true; CheckFailed naming `what` (and the
    last value seen) when `timeout` or the budget runs out."""
    end = time.monotonic() + budget.left(timeout)
    last = None
    while True:
        last = probe()
        if last and not isinstance(last, Pending):
            return last
        if time.monotonic() >= end:
            detail = last.detail if isinstance(last, Pending) else repr(last)
            raise CheckFailed(f"timed out waiting for {what} (last seen: {detail})")
        time.sleep(interval)


class Pending:
    """A probe's answer 'not yet', carrying what it saw for the failure message."""

    def __init__(self, detail):
        self.detail = detail

    def __bool__(self):
        return False


# ------------------------------------------------------------------ HTTP to the daemon

# No proxy, whatever the environment says: the daemon is on loopback.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_get(url, timeout=10):
    with OPENER.open(url, timeout=timeout) as response:
        return response.status, response.read()


class Api:
    def __init__(self, base):
        self.base = base

    def get(self, words, **params):
        query = urllib.parse.urlencode({k: ("true" if v is True else v) for k, v in params.items()})
        url = f"{self.base}/api/v1/{words}" + (f"?{query}" if query else "")
        try:
            _, body = http_get(url)
        except urllib.error.HTTPError as e:
            body = e.read()
        reply = json.loads(body)
        if not reply.get("ok"):
            raise CheckFailed(f"GET {url}: {reply.get('error')}")
        return reply["result"]


# ------------------------------------------------------------------ the browser

class Browser:
    """Headless Chromium and one page target, driven over the DevTools Protocol."""

    def __init__(self, websocket_module, workdir, budget):
        self.ws_module = websocket_module
        self.budget = budget
        self.exceptions = []
        self.next_id = 0
        self.stderr_path = os.path.join(workdir, "chromium.stderr")
        if not os.access(CHROMIUM, os.X_OK):
            raise Skip(f"{CHROMIUM} is not installed")
        self.stderr = open(self.stderr_path, "wb")
        self.process = subprocess.Popen(
            [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={os.path.join(workdir, 'chromium-profile')}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.stderr,
            start_new_session=True)  # its own process group, so that close() ends its helpers too
        try:
            self._attach()
        except BaseException:
            self.close()
            raise

    def _attach(self):
        self.ws = None
        browser_url = self._devtools_url()
        port = urllib.parse.urlsplit(browser_url).port
        browser = self.ws_module.create_connection(browser_url, timeout=10, suppress_origin=True)
        try:
            self.ws = browser
            target = self.call("Target.createTarget", url="about:blank")["targetId"]
        finally:
            browser.close()
        self.ws = self.ws_module.create_connection(
            f"ws://127.0.0.1:{port}/devtools/page/{target}", timeout=10, suppress_origin=True)
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.call("Log.enable")
        self.call("Emulation.setDeviceMetricsOverride", width=1600, height=1150, deviceScaleFactor=1, mobile=False)

    def _devtools_url(self):
        end = time.monotonic() + self.budget.left(20)
        while time.monotonic() < end:
            with open(self.stderr_path, "rb") as f:
                match = re.search(rb"DevTools listening on (ws://\S+)", f.read())
            if match:
                return match.group(1).decode()
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        with open(self.stderr_path, "rb") as f:
            tail = f.read()[-600:].decode(errors="replace")
        raise Skip(f"chromium did not start (no DevTools line on its stderr): {tail.strip()}")

    def call(self, method, **params):
        self.next_id += 1
        mine = self.next_id
        self.ws.send(json.dumps({"id": mine, "method": method, "params": params}))
        end = time.monotonic() + max(1.0, self.budget.left(20))
        while time.monotonic() < end:
            message = json.loads(self.ws.recv())
            if message.get("method") == "Runtime.exceptionThrown":
                details = message["params"]["exceptionDetails"]
                self.exceptions.append(details.get("exception", {}).get("description") or details.get("text"))
            elif message.get("method") == "Log.entryAdded" and message["params"]["entry"]["source"] == "security":
                # A Content-Security-Policy violation: the server's policy refused part of the page.
                self.exceptions.append(message["params"]["entry"]["text"])
            if message.get("id") == mine:
                if "error" in message:
                    raise CheckFailed(f"DevTools {method}: {message['error']}")
                return message.get("result", {})
        raise CheckFailed(f"DevTools {method}: no answer")

    def evaluate(self, expression):
        """The value of a JavaScript expression in the page (promises awaited)."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise CheckFailed(f"in the page: {details.get('exception', {}).get('description') or details.get('text')}"
                              f" evaluating {expression[:120]}")
        return result["result"].get("value")

    def navigate(self, url):
        self.call("Page.navigate", url=url)

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=False)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            if self.ws:
                self.ws.close()
        except Exception:  # the browser may already be gone; closing is best effort
            pass
        stop_process_group(self.process)
        self.stderr.close()


def stop_process_group(process):
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=5)


# ------------------------------------------------------------------ the page's state, read from its DOM

JS_NODES_DRAWN = "[...document.querySelectorAll('#diagram [data-node]')].map(e => e.getAttribute('data-node'))"
JS_SESSION_STATES = """Object.fromEntries([...document.querySelectorAll('#diagram [data-session]')]
  .map(e => [e.getAttribute('data-session'), e.getAttribute('data-state')]))"""
JS_HOP_ROWS = """[...document.querySelectorAll('#trace-hops table.hops')].map(t => ({
  kind: t.getAttribute('data-kind'),
  rows: [...t.querySelectorAll('tr.hop')].map(r => ({
    hop: Number(r.getAttribute('data-hop')), address: r.getAttribute('data-address'),
    silent: r.classList.contains('silent'),
    text: [...r.cells].map(c => c.textContent.trim()) })) }))"""


def js_string(value):
    return json.dumps(value)


def js_click(selector):
    return (f"(() => {{ const e = document.querySelector({js_string(selector)}); if (!e) return false;"
            " e.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true})); return true; })()")


def expected_hops(trace):
    """The addresses of the API trace's first path, `*` for a silent hop."""
    return [hop["address"] if hop["address"] is not None else "*" for hop in trace["paths"][0]["hops"]]


def page_hops(browser):
    tables = browser.evaluate(JS_HOP_ROWS) or []
    return tables[0] if tables else None


def other_end(link, node):
    """The node at the other end of a link from `node`; None when `node` is not on it."""
    ends = (link["a"]["node"], link["b"]["node"])
    return ends[1] if ends[0] == node else ends[0] if ends[1] == node else None


def set_token_field(browser, value):
    """Types `value` into the page's token field, as a user pasting it would."""
    browser.evaluate(f"""(() => {{ const f = document.querySelector('#token'); f.value = {js_string(value)};
      f.dispatchEvent(new Event('input', {{bubbles: true}})); }})()""")


def page_session_state(browser, key, established):
    """A probe: the page draws the session `key` (NODE|PEER) Established, or not."""
    def probe():
        st = (browser.evaluate(JS_SESSION_STATES) or {}).get(key)
        return True if st and (st == "Established") == established else Pending(st)
    return probe


class PageChecks:
    """The checks of the page, in order, against the daemon at `base` whose change token
    is `token`; each step names what it expects in its failure message."""

    def __init__(self, browser, base, token, budget, screenshot=None):
        self.browser = browser
        self.base = base
        self.api = Api(base)
        self.token = token
        self.budget = budget
        self.screenshot = screenshot

    def run(self):
        started = time.monotonic()
        for step in (self.sources_hold_no_token, self.read_topology, self.converged, self.load_with_token,
                     self.diagram_as_api, self.article_trace, self.wrong_token_refused,
                     self.expressroute_failover, self.session_buttons, self.ping, self.matrix_grid):
            step()
            print(f"web_test: ok {step.__name__} ({time.monotonic() - started:.1f} s)", flush=True)
        if self.browser.exceptions:
            raise CheckFailed(f"the page threw or broke its security policy: {self.browser.exceptions}")

    def converged(self):
        self.wait("the daemon to converge", lambda: self.api.get("converged")["converged"], 30, 0.3)

    def wait(self, what, probe, timeout, interval=0.1):
        return wait_for(self.budget, what, probe, timeout, interval)

    def js(self, expression):
        return self.browser.evaluate(expression)

    def sources_hold_no_token(self):
        for path in ("/", "/app.js", "/style.css"):
            status, body = http_get(self.base + path)
            if status != 200:
                raise CheckFailed(f"GET {path}: HTTP {status}")
            if self.token.encode() in body:
                raise CheckFailed(f"GET {path}: the page's source contains the change token")

    def read_topology(self):
        topology = self.api.get("show/topology")
        self.speakers = [n["name"] for n in topology["nodes"] if n["kind"] == "speaker"]
        if len(self.speakers) != REFERENCE_SPEAKERS:
            raise CheckFailed(f"show topology lists {len(self.speakers)} speakers, the reference has {REFERENCE_SPEAKERS}")
        self.roles = {n["name"]: n["role"] for n in topology["nodes"]}
        self.links = self.api.get("show/links")["links"]
        failed = [l for l in self.links if self.roles.get(other_end(l, FAILED_CE)) == "msee"]
        if len(failed) != 1:
            raise CheckFailed(f"expected one link between {FAILED_CE} and an MSEE, found {[l['name'] for l in failed]}")
        self.er_link = failed[0]["name"]
        self.er_session = f"{FAILED_CE}|{other_end(failed[0], FAILED_CE)}"

    def load_with_token(self):
        self.browser.navigate(f"{self.base}/#token={self.token}")
        self.wait("the page to load and take the token from the fragment", lambda: self.js(
            "document.readyState === 'complete' && "
            f"sessionStorage.getItem('bgpemu.token') === {js_string(self.token)}"), 15)
        href = self.js("location.href")
        if self.token in href:
            raise CheckFailed(f"the token stayed in the address bar: {href}")

    def diagram_as_api(self):
        def all_speakers_drawn():
            drawn = set(self.js(JS_NODES_DRAWN) or [])
            missing = [s for s in self.speakers if s not in drawn]
            return True if not missing else Pending(f"missing {missing}")
        self.wait(f"the {len(self.speakers)} speakers in the diagram", all_speakers_drawn, 15)

        # Every session in the API's state, and Established over every up link (or with
        # no link under it): in the reference only the shut secondary ER link is down.
        link_up = {}
        for l in self.links:
            link_up.setdefault(frozenset((l["a"]["node"], l["b"]["node"])), []).append(l["up"])

        def sessions_as_api():
            page = self.js(JS_SESSION_STATES) or {}
            wrong = []
            for s in self.api.get("show/sessions")["sessions"]:
                key = f"{s['node']}|{s['peer']}"
                ups = link_up.get(frozenset((s["node"], s["peer"])))
                should_be_up = ups is None or any(ups)
                if page.get(key) != s["state"] or (should_be_up and s["state"] != "Established"):
                    wrong.append(f"{key}: page {page.get(key)}, API {s['state']}")
            return True if not wrong else Pending("; ".join(wrong))
        self.wait("every session in the page as the API has it, Established over every up link",
                  sessions_as_api, 20, 0.25)

    def api_trace(self):
        return self.api.get("trace", **{"from": TRACE_FROM, "to": TRACE_TO})

    def page_shows_hops(self, addresses, kind):
        """A probe: the page's first hop table lists `addresses` (`*` for silent) over `kind`."""
        def probe():
            shown = page_hops(self.browser)
            if not shown:
                return Pending("no hop rows")
            got = [r["address"] for r in shown["rows"]]
            cells = [r["text"][1] for r in shown["rows"]]
            if got != addresses or cells != addresses or shown["kind"] != kind:
                return Pending(f"page shows {shown['kind']} {got}")
            return shown
        return probe

    def article_trace(self):
        trace = self.api_trace()
        if trace["paths"][0].get("kind") != "ExpressRoute":
            raise CheckFailed(f"the API's trace {TRACE_FROM} -> {TRACE_TO} is not over ExpressRoute: {trace['paths'][0]}")
        self.er_hops = expected_hops(trace)
        if "*" not in self.er_hops:
            raise CheckFailed(f"the API's trace has no silent hop: {self.er_hops}")
        self.js(f"""(() => {{
          document.querySelector('#trace-from').value = {js_string(TRACE_FROM)};
          document.querySelector('#trace-to').value = {js_string(TRACE_TO)};
          document.querySelector('#trace-run').click(); }})()""")
        shown = self.wait(f"the page's hop list of {TRACE_FROM} -> {TRACE_TO}: {self.er_hops} over ExpressRoute",
                          self.page_shows_hops(self.er_hops, "ExpressRoute"), 10)
        for row, hop in zip(shown["rows"], trace["paths"][0]["hops"]):
            if row["hop"] != hop["hop"] or row["text"][2] != hop["node"]:
                raise CheckFailed(f"hop row {row['text']} is not hop {hop['hop']} at {hop['node']}")
            if row["silent"] != (hop["address"] is None):
                raise CheckFailed(f"hop {hop['hop']}: the page marks it silent={row['silent']}, "
                                  f"the API's address is {hop['address']}")
        on_path = set(self.js("[...document.querySelectorAll('#diagram [data-node].on-path')]"
                              ".map(e => e.getAttribute('data-node'))"))
        passed = {hop["node"] for hop in trace["paths"][0]["hops"]}
        if not passed <= on_path:
            raise CheckFailed(f"the diagram does not highlight the trace's nodes {sorted(passed)} "
                              f"(highlighted: {sorted(on_path)})")
        if not self.js("document.querySelector('#diagram [data-hop-badge].silent') !== null"):
            raise CheckFailed("the diagram does not mark the silent `*` hop")
        if self.screenshot:
            self.browser.screenshot(self.screenshot)

    def click_er_link_then(self, button):
        """Clicks the ExpressRoute link in the diagram, then `button` in its panel."""
        if not self.js(js_click(f'#diagram [data-link="{self.er_link}"] .hit')):
            raise CheckFailed(f"no link {self.er_link} in the diagram")
        self.wait(f"the enabled {button} button in the link's panel", lambda: self.js(
            f"(() => {{ const b = document.querySelector('{button}'); return b !== null && !b.disabled; }})()"), 5)
        self.js(f"document.querySelector('{button}').click()")

    def wrong_token_refused(self):
        set_token_field(self.browser, "not-the-token-" + self.token[:4])
        self.click_er_link_then("#link-down")
        self.wait("the page to report the refused change (unauthorized)", lambda: self.js(
            "(document.querySelector('#panel-note.error-text')?.textContent || '').includes('token')"), 10)
        if not next(l for l in self.api.get("show/links")["links"] if l["name"] == self.er_link)["up"]:
            raise CheckFailed("a change with a wrong token took the link down")
        set_token_field(self.browser, self.token)

    def expressroute_failover(self):
        self.click_er_link_then("#link-down")
        self.wait(f"the link {self.er_link} drawn down", lambda: self.js(
            f"document.querySelector('#diagram [data-link=\"{self.er_link}\"]').getAttribute('data-up') === 'false'"), 10)
        self.wait(f"the session {self.er_session} to leave Established in the page",
                  page_session_state(self.browser, self.er_session, False), 10)

        def api_trace_over_vpn():
            t = self.api_trace()
            return t if t["paths"][0].get("kind") == "VPN" else Pending(t["paths"][0].get("kind"))
        vpn_hops = expected_hops(self.wait("the API's trace to move to the VPN", api_trace_over_vpn, 20, 0.3))
        self.wait(f"the page's hop list to follow the failover: {vpn_hops} over the VPN",
                  self.page_shows_hops(vpn_hops, "VPN"), 15)
        self.wait("the link event in the event log", lambda: self.js(
            "document.querySelector('#events li[data-kind=\"link\"]') !== null"), 10)

        self.click_er_link_then("#link-up")
        self.wait(f"the session {self.er_session} Established again in the page",
                  page_session_state(self.browser, self.er_session, True), 30, 0.25)
        self.wait("the page's hop list back over ExpressRoute", self.page_shows_hops(self.er_hops, "ExpressRoute"), 20)

    def session_buttons(self):
        """Another CE's session shut down and enabled from its own panel."""
        other = next((s for s in self.api.get("show/sessions")["sessions"] if self.roles.get(s["node"]) == "ce"
                      and s["node"] != FAILED_CE and s["state"] == "Established"), None)
        if other is None:
            raise CheckFailed("no other CE with an Established session to shut down")
        key = f"{other['node']}|{other['peer']}"
        for button, established in (("#session-shutdown", False), ("#session-enable", True)):
            if not self.js(js_click(f'#diagram [data-session="{key}"]')):
                raise CheckFailed(f"no session {key} in the diagram")
            self.wait(f"the {button} button in the session's panel",
                      lambda: self.js(f"document.querySelector('{button}') !== null"), 5)
            self.js(f"document.querySelector('{button}').click()")
            self.wait(f"the session {key} {'Established' if established else 'down'} in the page after {button}",
                      page_session_state(self.browser, key, established), 20, 0.2)

    def ping(self):
        self.js("document.querySelector('#ping-run').click()")
        self.wait(f"the page's ping {TRACE_FROM} -> {TRACE_TO}, reachable", lambda: self.js(
            "document.querySelector('#trace-summary').textContent.includes(': reachable')"), 10)

    def matrix_grid(self):
        matrix = self.api.get("matrix", by="vnet")
        wanted = len(matrix["cells"])

        def cells_drawn():
            n = self.js("document.querySelectorAll('#matrix td.cell[data-verdict]').length")
            return n if n == wanted else Pending(f"{n} cells")
        self.wait(f"the matrix grid with the API's {wanted} cells", cells_drawn, 10)
        for cell in matrix["cells"]:
            if cell["verdict"] == "symmetric" and cell["there"]["kind"] == "ExpressRoute":
                text = self.js(f"document.querySelector('#matrix td[data-from={js_string(cell['from'])}]"
                               f"[data-to={js_string(cell['to'])}]')?.textContent")
                if text != "ER":
                    raise CheckFailed(f"matrix cell {cell['from']} -> {cell['to']} says {text!r}, not ER")
                break


# ------------------------------------------------------------------ the daemon

def free_port(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def write_config(source_dir, workdir, bgp_port, http_port, token_file):
    with open(os.path.join(source_dir, "configs", "azure-interop.yaml")) as f:
        text = f.read()
    if "port: 1179" not in text:
        raise CheckFailed("configs/azure-interop.yaml has no `port: 1179` to change")
    text = text.replace("port: 1179", f"port: {bgp_port}")
    http = f"  http: {http_section(f'127.0.0.1:{http_port}', token_file)}\n"
    # Merge into a `daemon:` section of the block style if there is one.
    block = re.search(r"^daemon:[ \t]*(#.*)?\n", text, re.M)
    if block:
        text = text[:block.end()] + http + text[block.end():]
    elif re.search(r"^daemon:", text, re.M):
        raise CheckFailed("configs/azure-interop.yaml has a flow-style `daemon:` section the test cannot merge into")
    else:
        text += "\ndaemon:\n" + http
    path = os.path.join(workdir, "topology.yaml")
    with open(path, "w") as f:
        f.write(text)
    return path


def start_daemon(bgpemud, workdir, config, http_port, budget):
    log = open(os.path.join(workdir, "bgpemud.log"), "wb")
    process = subprocess.Popen([bgpemud, config, "--socket", os.path.join(workdir, "bgpemud.sock")],
                               stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    log.close()

    def listening():
        if process.poll() is not None:
            with open(os.path.join(workdir, "bgpemud.log"), errors="replace") as f:
                raise CheckFailed(f"bgpemud exited with {process.returncode}: {f.read()[-1500:]}")
        with socket.socket() as s:
            s.settimeout(0.5)
            return s.connect_ex(("127.0.0.1", http_port)) == 0
    try:
        wait_for(budget, f"bgpemud's HTTP server on 127.0.0.1:{http_port}", listening, 15)
    except CheckFailed:
        stop_process_group(process)
        raise
    return process


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bgpemud", required=True)
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--port-base", type=int, default=None,
                        help="the BGP port is N+40, HTTP N+41 (default: by the process id, as the C++ tests)")
    parser.add_argument("--screenshot", help="save a PNG of the page while the trace is drawn")
    args = parser.parse_args()
    budget = Budget(TOTAL_BUDGET_S)

    try:
        import websocket  # Debian's python3-websocket
    except ImportError:
        print("web_test: SKIP: python3-websocket is not installed (apt-get install python3-websocket)")
        return SKIP

    base = args.port_base if args.port_base is not None else 20000 + (os.getpid() % 450) * 100
    bgp_port, http_port = base + 40, base + 41
    token = secrets.token_urlsafe(24)
    workdir = tempfile.mkdtemp(prefix="bgpemu-web-")
    daemon = browser = None
    try:
        if not free_port(http_port):
            raise CheckFailed(f"port {http_port} is taken; give another --port-base")
        token_file = os.path.join(workdir, "http.token")
        with open(token_file, "w") as f:
            f.write(token + "\n")
        os.chmod(token_file, 0o600)
        config = write_config(args.source_dir, workdir, bgp_port, http_port, token_file)
        daemon = start_daemon(args.bgpemud, workdir, config, http_port, budget)
        browser = Browser(websocket, workdir, budget)
        PageChecks(browser, f"http://127.0.0.1:{http_port}", token, budget, args.screenshot).run()
        print("web_test: passed")
        return 0
    except Skip as e:
        print(f"web_test: SKIP: {e}")
        return SKIP
    except CheckFailed as e:
        print(f"web_test: FAILED: {e}")
        return 1
    except Exception as e:  # a dead browser or daemon mid-test: still a failure, said plainly
        print(f"web_test: FAILED: {type(e).__name__}: {e}")
        return 1
    finally:
        if browser:
            browser.close()
        if daemon:
            stop_process_group(daemon)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
