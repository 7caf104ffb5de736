// bgpemu's web view: the running topology as a diagram laid out as Microsoft's
// "Interoperability in Azure back-end connectivity features" article draws it
// (on-premises sites, ExpressRoute circuits, gateways, VNets, left to right), live
// session and link state, a node's tables, trace and ping drawn hop by hop, the
// reachability matrix (Network Watcher's grid view), failure injection and the event
// log. Everything comes from the daemon's HTTP API (/api/v1/..., the admin socket's
// commands and JSON) on the page's own origin; live updates arrive as Server-Sent
// Events on /api/v1/events.
//
// The change token is never part of the page: the user pastes it into #token, or opens
// the page as /#token=TOKEN; it is kept in sessionStorage and the fragment is removed
// from the address bar at once.
//
// Element ids and attributes that tests (tests/integration/web_test.py) rely on:
//   #diagram                     the SVG diagram
//     [data-node="NAME"]         a node's group (speaker, router, host, external router);
//                                class "on-path" while a trace passes it
//     [data-vnet="NAME"]         a VNet's box; [data-site=...], [data-circuit=...] likewise
//     [data-link="NAME"]         a link's group; data-up="true"|"false"
//     [data-session="NODE|PEER"] NODE's half of its session with PEER; data-state="Established"...
//     [data-peering="A|B"]       a VNet peering
//     [data-hop-badge]           a hop number on the diagram; class "silent" for a `*` hop
//   #panel, #panel-title         the side panel of the node, VNet, link or session clicked
//     #panel-sessions tr[data-peer]  a node's sessions, with buttons [data-action]
//     #link-down, #link-up       in a link's panel (only when the daemon allows changes)
//     #session-shutdown, #session-enable, #session-reset   in a session's panel
//   #trace-from, #trace-to       host selects; #trace-all-paths; #trace-run, #ping-run
//   #trace-summary               the probe's first line as `bgpemuctl trace` prints it
//   #trace-hops                  one table per path: tr.hop[data-hop][data-address]
//                                (data-silent="true" and class "silent" for a `*` hop),
//                                cells: hop, address or *, node, rtt; table data-kind
//   #matrix                      the grid: td.cell[data-from][data-to][data-verdict]
//   #matrix-by                   host | vnet | site
//   #events                      li[data-sequence][data-kind], the newest first
//   #token                       the change token field (kept in sessionStorage 'bgpemu.token')
//   #live                        class "on" while the event stream is connected
'use strict';

const API = '/api/v1/';
const SVG_NS = 'http://www.w3.org/2000/svg';
const TOKEN_KEY = 'bgpemu.token';
// At most one refresh per this many milliseconds: a failover produces bursts of events.
const REFRESH_MIN_INTERVAL_MS = 250;
const MATRIX_MIN_INTERVAL_MS = 2000;
// Beyond this many networks the matrix (every ordered pair probed both ways) is only
// computed when asked for.
const MATRIX_AUTO_LIMIT = 40;
const RIB_ROWS_SHOWN = 300;
// More VNets than fit one screen: see computeLayout.
const VNET_REORDER_MIN = 12;
const EVENTS_KEPT = 300;
// While the event stream is down, poll this often so the view still follows.
const POLL_FALLBACK_MS = 3000;

// Sizes in the diagram's own units (pixels at zoom 1).
const SIZE = {
  nodeW: 126, nodeH: 34, gap: 10, pad: 10, head: 30, vnetHead: 40,
  groupGap: 22, colGap: 120, margin: 24,
};

const state = {
  topology: null,
  links: [],
  sessions: [],
  allowChanges: false,
  layout: null,
  structureKey: '',
  panel: null,          // {kind: 'node'|'vnet'|'link'|'session', ...}; re-rendered on refresh
  probe: null,          // {type: 'trace'|'ping', from, to, allPaths}; re-run on refresh
  probeResult: null,
  zoom: 1,
  zoomedByHand: false,  // once the user zooms, the page stops re-fitting the diagram
  eventsSeen: new Set(),
  live: false,
};

// ---------------------------------------------------------------- DOM helpers

function build(ns, tag, attrs, children) {
  const e = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.setAttribute('class', v);
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}
const h = (tag, attrs, ...children) => build(null, tag, attrs, children);
const svg = (tag, attrs, ...children) => build(SVG_NS, tag, attrs, children);
const $ = (sel) => document.querySelector(sel);
const cssEscape = (s) => (window.CSS && CSS.escape ? CSS.escape(s) : s.replace(/["\\]/g, '\\$&'));

function table(headers, rows, attrs) {
  return h('table', attrs || {},
    h('thead', {}, h('tr', {}, headers.map((t) => h('th', {}, t)))),
    h('tbody', {}, rows));
}

function showError(text) {
  const box = $('#error');
  box.textContent = text;
  box.hidden = false;
  clearTimeout(showError.timer);
  showError.timer = setTimeout(() => { box.hidden = true; }, 8000);
}

// ---------------------------------------------------------------- the API

class ApiError extends Error {
  constructor(code, message, status) {
    super(`${code}: ${message}`);
    this.code = code;
    this.status = status;
  }
}

async function apiReply(response) {
  let body;
  try {
    body = await response.json();
  } catch (e) {
    throw new ApiError('http_' + response.status, response.statusText || 'not JSON', response.status);
  }
  if (!body.ok) {
    const err = body.error || {};
    throw new ApiError(err.code || 'error', err.message || '', response.status);
  }
  return body.result;
}

async function apiGet(words, params) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') query.set(k, String(v));
  }
  const qs = query.toString();
  const response = await fetch(API + words + (qs ? '?' + qs : ''), {
    cache: 'no-store', credentials: 'same-origin',
  });
  return apiReply(response);
}

async function apiPost(words, body) {
  const headers = { 'Content-Type': 'application/json' };
  const token = getToken();
  if (token) headers.Authorization = 'Bearer ' + token;
  const response = await fetch(API + words, {
    method: 'POST', headers, body: JSON.stringify(body), cache: 'no-store', credentials: 'same-origin',
  });
  return apiReply(response);
}

// ---------------------------------------------------------------- the token

function getToken() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

// A token in the fragment (never sent to the server, so never in its logs) is moved to
// sessionStorage and the fragment dropped, so that the address bar, the history and a
// shared screenshot do not show it.
function adoptTokenFromFragment() {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ''));
  const token = fragment.get('token');
  if (token) {
    sessionStorage.setItem(TOKEN_KEY, token);
    history.replaceState(null, '', location.pathname + location.search);
  }
}

function wireTokenField() {
  const field = $('#token');
  field.value = getToken();
  field.addEventListener('input', () => {
    const value = field.value.trim();
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
    showChangesState();
  });
}

function showChangesState() {
  const text = !state.allowChanges ? 'read-only: the daemon does not allow changes'
    : getToken() ? 'changes allowed' : 'changes allowed with the token';
  $('#changes-state').textContent = text;
  $('.token').hidden = !state.allowChanges;
}

// ---------------------------------------------------------------- layout

// Which column of the article's drawing a node belongs to, from its role and its VNet,
// never from its name: MSEEs, then gateways, then VNets; everything else is on
// premises (CEs, LAN routers, hosts outside VNets, external routers).
function columnOf(node, vnetNames) {
  if (node.role === 'msee') return 'circuit';
  if (node.role === 'er-gateway' || node.role === 'vpn-gateway') return 'gateway';
  if (node.vnet && vnetNames.has(node.vnet)) return 'vnet';
  return 'onprem';
}

// Within an on-premises box: hosts, then routers, then CEs facing the circuits.
function onpremSlot(node) {
  if (node.kind === 'host') return 0;
  if (node.role === 'ce') return 2;
  return 1;
}

class UnionFind {
  constructor() { this.parent = new Map(); }
  find(x) {
    if (!this.parent.has(x)) this.parent.set(x, x);
    let root = x;
    while (this.parent.get(root) !== root) root = this.parent.get(root);
    this.parent.set(x, root);
    return root;
  }
  union(a, b) { this.parent.set(this.find(a), this.find(b)); }
}

// Groups (boxes) per column, from the topology's sites, circuits and VNets. Nodes
// without a site are boxed by the on-premises component their links form; MSEEs
// without a circuit by the neighbours they share.
function groupNodes(topology, adjacency) {
  const vnetNames = new Set(topology.vnets.map((v) => v.name));
  const byName = new Map(topology.nodes.map((n) => [n.name, n]));
  const groups = new Map();
  const groupOf = new Map();
  const add = (id, props, name, slot) => {
    if (!groups.has(id)) groups.set(id, { id, slots: [[], [], []], ...props });
    groups.get(id).slots[slot].push(name);
    groupOf.set(name, id);
  };

  for (const v of topology.vnets) {
    groups.set('vnet:' + v.name, { id: 'vnet:' + v.name, col: 'vnet', frame: true, vnet: v,
      label: v.name, sublabel: v.address_spaces.join(', '), slots: [[], [], []] });
  }

  const unsited = new UnionFind();
  const circuitless = new UnionFind();
  for (const n of topology.nodes) {
    const col = columnOf(n, vnetNames);
    if (col === 'vnet') {
      add('vnet:' + n.vnet, {}, n.name, 0);
    } else if (col === 'gateway') {
      // A VNet's gateways stand together, unboxed, beside their VNet.
      add('gw:' + (n.vnet || n.name), { col, frame: false, vnetName: n.vnet }, n.name, 0);
    } else if (col === 'circuit') {
      if (n.circuit) add('circuit:' + n.circuit, { col, frame: true, label: n.circuit, kindLabel: 'ExpressRoute circuit', circuit: n.circuit }, n.name, 0);
      else circuitless.find(n.name);
    } else if (n.site) {
      add('site:' + n.site, { col, frame: true, label: n.site, kindLabel: 'on-premises site', site: n.site }, n.name, onpremSlot(n));
    } else {
      unsited.find(n.name);
    }
  }
  for (const name of unsited.parent.keys()) {
    for (const peer of adjacency.get(name) || []) {
      if (unsited.parent.has(peer)) unsited.union(name, peer);
    }
  }
  for (const name of circuitless.parent.keys()) {
    for (const peer of adjacency.get(name) || []) {
      for (const other of adjacency.get(peer) || []) {
        if (other !== name && circuitless.parent.has(other)) circuitless.union(name, other);
      }
    }
  }
  // An unsited component linked to exactly one site joins that site's box.
  const components = new Map();
  for (const name of unsited.parent.keys()) {
    const root = unsited.find(name);
    if (!components.has(root)) components.set(root, []);
    components.get(root).push(name);
  }
  for (const [root, members] of components) {
    const sites = new Set();
    for (const m of members) {
      for (const peer of adjacency.get(m) || []) {
        const g = groupOf.get(peer);
        if (g && g.startsWith('site:')) sites.add(g);
      }
    }
    const id = sites.size === 1 ? [...sites][0] : 'onprem:' + root;
    for (const m of members) {
      add(id, { col: 'onprem', frame: true, label: 'on-premises', kindLabel: '' }, m, onpremSlot(byName.get(m)));
    }
  }
  for (const name of circuitless.parent.keys()) {
    add('msees:' + circuitless.find(name), { col: 'circuit', frame: true, label: 'MSEEs', kindLabel: 'ExpressRoute' }, name, 0);
  }
  return { groups, groupOf };
}

// Positions of every node and box. VNets are stacked on the right in the topology's
// order; each column to their left is placed at the height of what it connects to
// (gateways by their VNet, circuits by their gateways, sites by their circuits and
// VPN gateways), then pushed down where boxes would overlap.
function computeLayout(topology, links, sessions) {
  const adjacency = new Map();
  const connect = (a, b) => {
    if (!adjacency.has(a)) adjacency.set(a, new Set());
    if (!adjacency.has(b)) adjacency.set(b, new Set());
    adjacency.get(a).add(b);
    adjacency.get(b).add(a);
  };
  for (const l of links) connect(l.a.node, l.b.node);
  for (const s of sessions) connect(s.node, s.peer);

  const { groups, groupOf } = groupNodes(topology, adjacency);
  const onpremSlotsUsed = [0, 1, 2].filter((slot) =>
    [...groups.values()].some((g) => g.col === 'onprem' && g.slots[slot].length));

  for (const g of groups.values()) {
    const slots = g.col === 'onprem' ? onpremSlotsUsed : [0];
    const rows = Math.max(0, ...slots.map((s) => g.slots[s].length));
    const head = !g.frame ? 0 : g.col === 'vnet' ? SIZE.vnetHead : SIZE.head;
    const pad = g.frame ? SIZE.pad : 0;
    g.usedSlots = slots;
    g.head = head;
    g.pad = pad;
    g.w = slots.length * (SIZE.nodeW + SIZE.gap) - SIZE.gap + 2 * pad;
    g.h = head + (rows ? rows * (SIZE.nodeH + SIZE.gap) - SIZE.gap : 0) + 2 * pad;
    if (g.col === 'vnet') g.w = Math.max(g.w, 170);
  }

  const order = ['onprem', 'circuit', 'gateway', 'vnet'];
  const columns = order.map((col) => [...groups.values()].filter((g) => g.col === col));
  let x = SIZE.margin;
  columns.forEach((list) => {
    if (!list.length) return;
    const width = Math.max(...list.map((g) => g.w));
    for (const g of list) g.x = x + (width - g.w) / 2;
    x += width + SIZE.colGap;
  });

  const nodes = new Map();
  const placeMembers = (g) => {
    // Centred in the box, which may be wider than its slots (a VNet's heading).
    const left = g.x + (g.w - (g.usedSlots.length * (SIZE.nodeW + SIZE.gap) - SIZE.gap)) / 2;
    g.usedSlots.forEach((slot, i) => {
      const members = g.slots[slot];
      const contentH = g.h - g.head - 2 * g.pad;
      const used = members.length * (SIZE.nodeH + SIZE.gap) - SIZE.gap;
      let y = g.y + g.head + g.pad + (contentH - used) / 2;
      for (const name of members) {
        nodes.set(name, { x: left + i * (SIZE.nodeW + SIZE.gap), y, w: SIZE.nodeW, h: SIZE.nodeH, group: g.id });
        y += SIZE.nodeH + SIZE.gap;
      }
    });
  };
  const centreY = (name) => {
    const n = nodes.get(name);
    return n ? n.y + n.h / 2 : undefined;
  };
  const stack = (list, wanted) => {
    const entries = list.map((g, i) => ({ g, want: wanted(g), i }));
    entries.sort((a, b) => (a.want - b.want) || (a.i - b.i));
    let bottom = SIZE.margin;
    for (const { g, want } of entries) {
      g.y = Math.max(Number.isFinite(want) ? want - g.h / 2 : bottom, bottom);
      bottom = g.y + g.h + SIZE.groupGap;
      placeMembers(g);
    }
  };
  const meanOfNeighbours = (g, extra) => {
    const ys = [];
    for (const slot of g.slots) {
      for (const name of slot) {
        for (const peer of adjacency.get(name) || []) {
          if (groupOf.get(peer) !== g.id) {
            const y = centreY(peer);
            if (y !== undefined) ys.push(y);
          }
        }
      }
    }
    if (extra !== undefined) ys.push(extra);
    return ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : Infinity;
  };

  const [onprem, circuits, gateways, vnetGroups] = columns;
  const placeLeftColumns = () => {
    stack(gateways, (g) => {
      const box = groups.get('vnet:' + g.vnetName);
      return box ? box.y + box.h / 2 : meanOfNeighbours(g);
    });
    stack(circuits, (g) => meanOfNeighbours(g));
    stack(onprem, (g) => meanOfNeighbours(g));
  };
  stack(vnetGroups, () => Infinity);
  placeLeftColumns();
  // A column of VNets taller than a screen is reordered by where their gateways' peers
  // stand, so that the VNets of one circuit come together and the circuits spread out
  // beside them instead of piling up in the middle. Small topologies keep their order.
  if (vnetGroups.length > VNET_REORDER_MIN) {
    const key = new Map(vnetGroups.map((v) => {
      const gw = groups.get('gw:' + v.vnet.name);
      const y = gw ? meanOfNeighbours(gw) : Infinity;
      return [v, Number.isFinite(y) ? y : v.y];
    }));
    const ordered = [...vnetGroups].sort((a, b) => key.get(a) - key.get(b));
    let bottom = SIZE.margin;
    for (const v of ordered) {
      v.y = bottom;
      bottom += v.h + SIZE.groupGap;
      placeMembers(v);
    }
    placeLeftColumns();
  }

  let width = 0;
  let height = 0;
  for (const g of groups.values()) {
    width = Math.max(width, g.x + g.w);
    height = Math.max(height, g.y + g.h);
  }
  // Room on the right for the peering arcs.
  const peeringRoom = topology.vnets.some((v) => v.peerings.length) ? 90 : 0;
  const vnetBoxes = new Map();
  for (const g of vnetGroups) vnetBoxes.set(g.vnet.name, g);
  return { nodes, groups, vnetBoxes, width: width + SIZE.margin + peeringRoom, height: height + SIZE.margin };
}

// ---------------------------------------------------------------- geometry

// A cubic Bézier from box p to box q, as [x1, y1, c1x, c1y, c2x, c2y, x2, y2]: from
// the facing sides when the boxes stand in different columns, as a bulge to the right
// when one stands above the other.
function curveBetween(p, q) {
  const pc = { x: p.x + p.w / 2, y: p.y + p.h / 2 };
  const qc = { x: q.x + q.w / 2, y: q.y + q.h / 2 };
  if (Math.abs(pc.x - qc.x) < Math.max(p.w, q.w) / 2) {
    const x1 = p.x + p.w;
    const x2 = q.x + q.w;
    const bulge = 28 + Math.min(120, 0.15 * Math.abs(qc.y - pc.y));
    return [x1, pc.y, x1 + bulge, pc.y, x2 + bulge, qc.y, x2, qc.y];
  }
  const x1 = pc.x < qc.x ? p.x + p.w : p.x;
  const x2 = pc.x < qc.x ? q.x : q.x + q.w;
  const mid = (x2 - x1) / 2;
  return [x1, pc.y, x1 + mid, pc.y, x2 - mid, qc.y, x2, qc.y];
}

function normalOf(c) {
  const dx = c[6] - c[0];
  const dy = c[7] - c[1];
  const len = Math.hypot(dx, dy) || 1;
  return [-dy / len, dx / len, len];
}

function offsetCurve(c, d) {
  const [nx, ny] = normalOf(c);
  return c.map((v, i) => v + d * (i % 2 === 0 ? nx : ny));
}

// The curve for a session without a link under it: lifted away from the straight line.
function arcCurve(c) {
  const [nx, ny, len] = normalOf(c);
  const lift = Math.min(80, 0.2 * len);
  const out = c.slice();
  out[2] += nx * lift; out[3] += ny * lift;
  out[4] += nx * lift; out[5] += ny * lift;
  return out;
}

// de Casteljau at t = 1/2: the halves of a curve, each starting at its own end.
function halves(c) {
  const mid = (a, b) => [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
  const p0 = [c[0], c[1]]; const p1 = [c[2], c[3]]; const p2 = [c[4], c[5]]; const p3 = [c[6], c[7]];
  const a = mid(p0, p1); const b = mid(p1, p2); const cc = mid(p2, p3);
  const d = mid(a, b); const e = mid(b, cc); const m = mid(d, e);
  return [[...p0, ...a, ...d, ...m], [...p3, ...cc, ...e, ...m]];
}

const pathD = (c) => `M${c[0].toFixed(1)},${c[1].toFixed(1)} C${c.slice(2).map((v) => v.toFixed(1)).join(' ')}`;

// ---------------------------------------------------------------- the diagram

const pairKey = (a, b) => (a < b ? a + '\u0000' + b : b + '\u0000' + a);
const sessionKey = (s) => s.node + '|' + s.peer;
const stateClass = (st) => (st === 'Established' ? 'st-established'
  : st === 'OpenSent' || st === 'OpenConfirm' || st === 'Connect' ? 'st-opening' : 'st-idle');

function structureKeyOf() {
  return JSON.stringify([state.topology, state.links.map((l) => l.name), state.sessions.map(sessionKey)]);
}

// A box as the diagram knows it: a node, or a VNet's box for "vnet:NAME" (as trace
// lists the VNet it crosses).
function boxOf(name) {
  const layout = state.layout;
  if (layout.nodes.has(name)) return layout.nodes.get(name);
  if (name.startsWith('vnet:') && layout.vnetBoxes.has(name.slice(5))) {
    const g = layout.vnetBoxes.get(name.slice(5));
    return { x: g.x, y: g.y, w: g.w, h: g.head };
  }
  return null;
}

function nodeSubtitle(n) {
  const role = n.role || n.kind;
  return n.asn !== null && n.asn !== undefined ? `${role} · AS ${n.asn}` : role;
}

function renderDiagram() {
  const topo = state.topology;
  const layout = computeLayout(topo, state.links, state.sessions);
  state.layout = layout;
  state.structureKey = structureKeyOf();
  const root = $('#diagram');
  root.replaceChildren();
  root.setAttribute('viewBox', `0 0 ${layout.width} ${layout.height}`);

  const layers = {};
  for (const name of ['groups', 'members', 'links', 'sessions', 'trace', 'nodes', 'badges']) {
    layers[name] = svg('g', { class: 'layer-' + name });
    root.append(layers[name]);
  }

  for (const g of layout.groups.values()) {
    if (!g.frame) continue;
    const attrs = { class: 'group group-' + g.col, transform: `translate(${g.x},${g.y})` };
    if (g.col === 'vnet') attrs['data-vnet'] = g.vnet.name;
    if (g.site) attrs['data-site'] = g.site;
    if (g.circuit) attrs['data-circuit'] = g.circuit;
    layers.groups.append(svg('g', attrs,
      svg('rect', { width: g.w, height: g.h, rx: 6 }),
      svg('text', { x: 8, y: 14, class: 'group-kind' }, g.col === 'vnet' ? 'VNet' : g.kindLabel || ''),
      svg('text', { x: 8, y: 27, class: 'group-label' }, g.label),
      g.col === 'vnet' ? svg('text', { x: 8, y: 38, class: 'group-sub' }, g.sublabel) : null));
  }

  // A gateway belongs to its VNet without a link in the topology: a dotted line says so.
  for (const n of topo.nodes) {
    const box = layout.nodes.get(n.name);
    const vnetBox = n.vnet && layout.vnetBoxes.get(n.vnet);
    if (box && vnetBox && layout.groups.get(box.group).col === 'gateway') {
      const c = curveBetween(box, { x: vnetBox.x, y: vnetBox.y, w: vnetBox.w, h: vnetBox.head });
      layers.members.append(svg('path', { class: 'member', d: pathD(c) }));
    }
  }

  const drawn = new Set();
  for (const v of topo.vnets) {
    for (const p of v.peerings) {
      const key = pairKey(v.name, p.vnet);
      const a = layout.vnetBoxes.get(v.name);
      const b = layout.vnetBoxes.get(p.vnet);
      if (drawn.has(key) || !a || !b) continue;
      drawn.add(key);
      const x1 = a.x + a.w; const x2 = b.x + b.w;
      const y1 = a.y + a.head / 2 + 6; const y2 = b.y + b.head / 2 + 6;
      const bulge = 30 + Math.min(50, Math.abs(y2 - y1) * 0.1);
      const flags = [p.allow_gateway_transit && 'allow gateway transit', p.use_remote_gateways && 'use remote gateways']
        .filter(Boolean).join(', ');
      layers.members.append(svg('path', {
        class: 'peering', 'data-peering': v.name + '|' + p.vnet,
        d: `M${x1},${y1} C${x1 + bulge},${y1} ${x2 + bulge},${y2} ${x2},${y2}`,
      }, svg('title', {}, `peering ${v.name} ↔ ${p.vnet}${flags ? ' (' + flags + ')' : ''}`)));
    }
  }

  // Links, several between one pair of nodes side by side.
  const linkCurves = new Map();
  const perPair = new Map();
  for (const l of state.links) {
    const a = layout.nodes.get(l.a.node);
    const b = layout.nodes.get(l.b.node);
    if (!a || !b) continue;
    const key = pairKey(l.a.node, l.b.node);
    const index = perPair.get(key) || 0;
    perPair.set(key, index + 1);
    const c = offsetCurve(curveBetween(a, b), index * 9);
    if (!linkCurves.has(key)) linkCurves.set(key, []);
    linkCurves.get(key).push({ link: l, curve: c, from: l.a.node });
    const d = pathD(c);
    layers.links.append(svg('g', { class: 'link', 'data-link': l.name },
      svg('path', { class: 'hit', d }),
      svg('path', { class: 'line', d }),
      svg('title', {}, `${l.name}: ${l.a.node} ${l.a.address} — ${l.b.node} ${l.b.address}, ${l.delay_ms} ms`)));
  }
  state.linkCurves = linkCurves;

  // Each speaker's half of a session, from its end to the middle, so that both views
  // (which differ while a session comes up or after a one-sided shutdown) are seen.
  for (const s of state.sessions) {
    const a = layout.nodes.get(s.node);
    const b = layout.nodes.get(s.peer);
    if (!a || !b) continue;
    const under = linkCurves.get(pairKey(s.node, s.peer));
    let c;
    if (under) {
      // Both halves on the same side of the link: the offset is taken along the
      // link's own direction, then the curve is turned to start at this end.
      const beside = offsetCurve(under[0].curve, 4);
      c = under[0].from === s.node ? beside : reverseCurve(beside);
    } else {
      c = s.node < s.peer ? arcCurve(curveBetween(a, b)) : reverseCurve(arcCurve(curveBetween(b, a)));
    }
    const half = halves(c)[0];
    layers.sessions.append(svg('path', {
      class: 'session ' + (under ? 'along-link' : 'arc'),
      'data-session': sessionKey(s), 'data-node-name': s.node, 'data-peer': s.peer, d: pathD(half),
    }, svg('title', {}, '')));
  }

  for (const n of topo.nodes) {
    const box = layout.nodes.get(n.name);
    if (!box) continue;
    layers.nodes.append(svg('g', {
      class: `node kind-${n.kind}${n.role ? ' role-' + n.role : ''}`, 'data-node': n.name,
      transform: `translate(${box.x},${box.y})`, tabindex: 0,
    },
    svg('rect', { width: box.w, height: box.h, rx: n.kind === 'host' ? 14 : 4 }),
    svg('text', { x: box.w / 2, y: 14, class: 'name' }, n.name),
    svg('text', { x: box.w / 2, y: 27, class: 'sub' }, nodeSubtitle(n)),
    svg('title', {}, n.name)));
  }

  applyZoom();
  updateStates();
  drawProbe();
}

function reverseCurve(c) {
  return [c[6], c[7], c[4], c[5], c[2], c[3], c[0], c[1]];
}

// Link and session state into the drawn elements, without redrawing.
function updateStates() {
  const root = $('#diagram');
  for (const l of state.links) {
    const e = root.querySelector(`[data-link="${cssEscape(l.name)}"]`);
    if (!e) continue;
    e.setAttribute('data-up', String(l.up));
    e.classList.toggle('up', l.up);
    e.classList.toggle('down', !l.up);
  }
  const perNode = new Map();
  for (const s of state.sessions) {
    const e = root.querySelector(`[data-session="${cssEscape(sessionKey(s))}"]`);
    const counts = perNode.get(s.node) || { up: 0, all: 0 };
    counts.all += 1;
    if (s.state === 'Established') counts.up += 1;
    perNode.set(s.node, counts);
    if (!e) continue;
    e.setAttribute('data-state', s.state);
    e.setAttribute('class', `session ${e.classList.contains('arc') ? 'arc' : 'along-link'} ${stateClass(s.state)}`);
    e.querySelector('title').textContent =
      `${s.node} → ${s.peer}: ${s.state}, ${s.prefixes_accepted} accepted, ${s.prefixes_advertised} advertised` +
      (s.last_error ? `; last error: ${s.last_error}` : '');
  }
  for (const [name, counts] of perNode) {
    const e = root.querySelector(`[data-node="${cssEscape(name)}"]`);
    if (!e) continue;
    e.setAttribute('data-sessions', `${counts.up}/${counts.all}`);
    e.classList.toggle('sessions-down', counts.up < counts.all);
  }
  const established = state.sessions.filter((s) => s.state === 'Established').length;
  const linksDown = state.links.filter((l) => !l.up).length;
  $('#daemon-status').textContent =
    `${state.topology.nodes.filter((n) => n.kind === 'speaker').length} speakers, ` +
    `${established}/${state.sessions.length} sessions Established, ` +
    `${state.links.length - linksDown}/${state.links.length} links up`;
}

function applyZoom() {
  const root = $('#diagram');
  const layout = state.layout;
  if (!layout) return;
  root.setAttribute('width', Math.round(layout.width * state.zoom));
  root.setAttribute('height', Math.round(layout.height * state.zoom));
}

function zoomToFit() {
  const pane = $('#diagram-scroll');
  if (!state.layout) return;
  // A few pixels to spare, so that rounding never brings up a scroll bar.
  const byWidth = (pane.clientWidth - 12) / state.layout.width;
  const byHeight = (pane.clientHeight - 12) / state.layout.height;
  // A tall generated topology fits its width and scrolls; never shrink below legibility.
  state.zoom = Math.max(0.25, Math.min(1.25, byWidth, Math.max(byHeight, byWidth * 0.5)));
  applyZoom();
}

function wireDiagram() {
  const zoomBy = (factor) => {
    state.zoom = Math.min(4, Math.max(0.1, state.zoom * factor));
    state.zoomedByHand = true;
    applyZoom();
  };
  $('#zoom-in').addEventListener('click', () => zoomBy(1.25));
  $('#zoom-out').addEventListener('click', () => zoomBy(1 / 1.25));
  $('#zoom-fit').addEventListener('click', () => { state.zoomedByHand = false; zoomToFit(); });
  $('#diagram-scroll').addEventListener('wheel', (ev) => {
    if (!ev.ctrlKey) return;
    ev.preventDefault();
    zoomBy(ev.deltaY < 0 ? 1.1 : 1 / 1.1);
  }, { passive: false });
  $('#diagram').addEventListener('click', (ev) => {
    const target = ev.target;
    const node = target.closest('[data-node]');
    if (node) return openPanel({ kind: 'node', name: node.getAttribute('data-node') });
    const session = target.closest('[data-session]');
    if (session) {
      return openPanel({ kind: 'session', node: session.getAttribute('data-node-name'), peer: session.getAttribute('data-peer') });
    }
    const link = target.closest('[data-link]');
    if (link) return openPanel({ kind: 'link', name: link.getAttribute('data-link') });
    const vnet = target.closest('[data-vnet]');
    if (vnet) return openPanel({ kind: 'vnet', name: vnet.getAttribute('data-vnet') });
    return undefined;
  });
  $('#diagram').addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && ev.target.closest('[data-node]')) {
      openPanel({ kind: 'node', name: ev.target.closest('[data-node]').getAttribute('data-node') });
    }
  });
}

// ---------------------------------------------------------------- the probe (trace, ping)

const PATH_COLOURS = 4;

function clearProbeDrawing() {
  const root = $('#diagram');
  root.querySelector('.layer-trace')?.replaceChildren();
  root.querySelector('.layer-badges')?.replaceChildren();
  for (const e of root.querySelectorAll('.on-path, .trace-stop')) e.classList.remove('on-path', 'trace-stop');
}

// The curve a probe follows from one node to the next: along the link that joins
// them when there is one (the up one first), else straight between the boxes (a
// gateway into its VNet, a VNet to its host).
function segmentCurve(from, to) {
  const under = state.linkCurves.get(pairKey(from, to));
  if (under && under.length) {
    const pick = under.find((u) => u.link.up) || under[0];
    return pick.from === from ? pick.curve : reverseCurve(pick.curve);
  }
  const a = boxOf(from);
  const b = boxOf(to);
  if (!a || !b) return null;
  // Between a VNet and a host inside its box: straight down from the box's heading.
  const vnetEnd = from.startsWith('vnet:') ? from : to.startsWith('vnet:') ? to : null;
  const other = vnetEnd === from ? to : from;
  if (vnetEnd && state.layout.nodes.get(other)?.group === vnetEnd) {
    const head = vnetEnd === from ? a : b;
    const host = vnetEnd === from ? b : a;
    const x = host.x + host.w / 2;
    const c = [x, head.y + head.h, x, head.y + head.h, x, host.y, x, host.y];
    return vnetEnd === from ? c : reverseCurve(c);
  }
  return curveBetween(a, b);
}

// `shift` moves an ECMP branch off the others where they share a segment.
function drawWalk(nodes, pathClass, shift) {
  const root = $('#diagram');
  const layer = root.querySelector('.layer-trace');
  for (let i = 0; i + 1 < nodes.length; i++) {
    const c = segmentCurve(nodes[i], nodes[i + 1]);
    if (c) layer.append(svg('path', { class: 'trace-seg ' + pathClass, d: pathD(shift ? offsetCurve(c, shift) : c) }));
    const under = state.linkCurves.get(pairKey(nodes[i], nodes[i + 1]));
    for (const u of under || []) {
      root.querySelector(`[data-link="${cssEscape(u.link.name)}"]`)?.classList.add('on-path');
    }
  }
  for (const name of nodes) {
    const e = name.startsWith('vnet:')
      ? root.querySelector(`[data-vnet="${cssEscape(name.slice(5))}"]`)
      : root.querySelector(`[data-node="${cssEscape(name)}"]`);
    e?.classList.add('on-path');
  }
}

function drawBadges(hops) {
  const layer = $('#diagram').querySelector('.layer-badges');
  // Hops at one node (ECMP branches agree on the numbering) share one badge.
  const byNode = new Map();
  for (const hop of hops) {
    if (!byNode.has(hop.node)) byNode.set(hop.node, { numbers: new Set(), silent: true });
    const entry = byNode.get(hop.node);
    entry.numbers.add(hop.hop);
    if (hop.address !== null) entry.silent = false;
  }
  for (const [name, entry] of byNode) {
    const box = boxOf(name);
    if (!box) continue;
    const text = [...entry.numbers].sort((a, b) => a - b).join(',') + (entry.silent ? ' *' : '');
    const w = Math.max(20, 8 + text.length * 7);
    layer.append(svg('g', {
      class: 'hop-badge' + (entry.silent ? ' silent' : ''), 'data-hop-badge': text,
      transform: `translate(${box.x + box.w - w / 2},${box.y - 8})`,
    },
    svg('rect', { x: -w / 2, y: -9, width: w, height: 18, rx: 9 }),
    svg('text', { x: 0, y: 4 }, text),
    svg('title', {}, entry.silent ? `hop ${text}: no answer (${name})` : `hop ${text}: ${name}`)));
  }
}

function drawProbe() {
  if (!state.layout) return;
  clearProbeDrawing();
  const result = state.probeResult;
  if (!result) return;
  const root = $('#diagram');
  if (result.type === 'trace') {
    result.reply.paths.forEach((p, i) => {
      drawWalk(p.nodes, 'path-' + (i % PATH_COLOURS), i * 4);
      if (p.verdict !== 'delivered') root.querySelector(`[data-node="${cssEscape(p.at)}"]`)?.classList.add('trace-stop');
    });
    drawBadges(result.reply.paths.flatMap((p) => p.hops));
  } else {
    const r = result.reply;
    drawWalk(r.forward.nodes, 'path-0', 0);
    if (r.back) drawWalk(r.back.nodes, 'path-back', 4);
    for (const walk of [r.forward, r.back]) {
      if (walk && walk.verdict !== 'delivered') root.querySelector(`[data-node="${cssEscape(walk.at)}"]`)?.classList.add('trace-stop');
    }
  }
}

const formatRtt = (ms) => (ms === undefined ? '' : `${ms} ms`);

// The hop list as `bgpemuctl trace` prints it: hop, address or *, node, rtt.
function renderTraceText(reply) {
  const box = $('#trace-hops');
  box.replaceChildren();
  $('#trace-summary').textContent = `trace from ${reply.from} (${reply.source}) to ${reply.destination}`;
  reply.paths.forEach((p, i) => {
    const title = reply.paths.length > 1 ? `path ${i + 1} of ${reply.paths.length}: ` : '';
    const outcome = p.verdict === 'delivered' ? `reached ${p.at} (${p.kind})` : `${p.verdict} at ${p.at}: ${p.reason}`;
    const rows = p.hops.map((hop) => h('tr', {
      class: 'hop' + (hop.address === null ? ' silent' : ''), 'data-hop': hop.hop,
      'data-address': hop.address === null ? '*' : hop.address, 'data-node': hop.node,
      'data-silent': hop.address === null ? 'true' : null,
    },
    h('td', { class: 'num' }, hop.hop),
    h('td', { class: 'addr' }, hop.address === null ? '*' : hop.address),
    h('td', {}, hop.node),
    h('td', { class: 'num' }, hop.address === null ? h('span', { class: 'muted', title: hop.why }, hop.why || '')
      : formatRtt(hop.rtt_ms) + (hop.inferred ? ' (inferred)' : ''))));
    box.append(
      h('div', { class: 'path-head path-' + (i % PATH_COLOURS) }, h('span', { class: 'swatch' }), title + outcome),
      table(['hop', 'address', 'node', 'rtt'], rows,
        { class: 'hops', 'data-path': i, 'data-kind': p.kind || '', 'data-verdict': p.verdict }));
  });
}

function renderPingText(reply) {
  const box = $('#trace-hops');
  box.replaceChildren();
  $('#trace-summary').textContent = `ping from ${reply.from} (${reply.source}) to ${reply.destination}: ` +
    (reply.reachable ? `reachable, ${reply.rtt_ms} ms` : 'unreachable');
  const walkLine = (label, walk, cls) => h('div', { class: 'path-head ' + cls },
    h('span', { class: 'swatch' }), `${label}: `,
    walk ? (walk.verdict === 'delivered' ? `reached ${walk.at} via ${walk.nodes.join(' ')}`
      : `${walk.verdict} at ${walk.at}: ${walk.reason} (${walk.nodes.join(' ')})`) : 'not sent (the probe did not arrive)');
  box.append(walkLine('there', reply.forward, 'path-0'), walkLine('back', reply.back, 'path-back'));
}

let probeSequence = 0;

async function runProbe(probe) {
  state.probe = probe;
  const mine = ++probeSequence;
  try {
    const reply = probe.type === 'trace'
      ? await apiGet('trace', { from: probe.from, to: probe.to, all_paths: probe.allPaths ? 'true' : null })
      : await apiGet('ping', { from: probe.from, to: probe.to });
    // A slower, older answer must not replace a newer one.
    if (mine !== probeSequence) return;
    state.probeResult = { type: probe.type, reply };
    if (probe.type === 'trace') renderTraceText(reply);
    else renderPingText(reply);
    drawProbe();
  } catch (e) {
    if (mine !== probeSequence) return;
    $('#trace-summary').textContent = `${probe.type} ${probe.from} → ${probe.to}: ${e.message}`;
    $('#trace-hops').replaceChildren();
    state.probeResult = null;
    drawProbe();
  }
}

function fillHostSelects() {
  const hosts = state.topology.nodes.filter((n) => n.kind === 'host').map((n) => n.name);
  for (const [id, index] of [['#trace-from', 0], ['#trace-to', 1]]) {
    const select = $(id);
    const kept = select.value;
    select.replaceChildren(...hosts.map((name) => h('option', { value: name }, name)));
    if (hosts.includes(kept)) select.value = kept;
    else if (hosts.length) select.value = hosts[Math.min(index, hosts.length - 1)];
  }
  for (const id of ['#trace-run', '#ping-run']) $(id).disabled = !hosts.length;
}

function wireProbe() {
  const current = (type) => ({
    type, from: $('#trace-from').value, to: $('#trace-to').value, allPaths: $('#trace-all-paths').checked,
  });
  $('#trace-run').addEventListener('click', () => runProbe(current('trace')));
  $('#ping-run').addEventListener('click', () => runProbe(current('ping')));
  $('#trace-clear').addEventListener('click', () => {
    probeSequence += 1;
    state.probe = null;
    state.probeResult = null;
    $('#trace-summary').textContent = '';
    $('#trace-hops').replaceChildren();
    drawProbe();
  });
}

// ---------------------------------------------------------------- the matrix

const KIND_SHORT = { ExpressRoute: 'ER', VPN: 'VPN', 'ExpressRoute+VPN': 'ER+VPN', peering: 'peering', direct: 'direct' };

function directionText(d) {
  return d.delivered ? `${d.kind}${d.via.length ? ' via ' + d.via.join(', ') : ''}`
    : `stopped at ${d.stopped_at}: ${d.reason}`;
}

// What a cell says, as `bgpemuctl matrix` prints it: the kind, X/Y when the answer
// comes back another way, - when the probe does not arrive. A probe whose answer is
// lost shows its kind alone: the one-way flag and colour say the rest.
function cellText(cell) {
  if (!cell.there.delivered) return '-';
  const there = KIND_SHORT[cell.there.kind] || cell.there.kind;
  const back = cell.back.delivered ? KIND_SHORT[cell.back.kind] || cell.back.kind : there;
  return there === back ? there : `${there}/${back}`;
}

let matrixSequence = 0;
let matrixLast = 0;

async function loadMatrix() {
  const by = $('#matrix-by').value;
  const mine = ++matrixSequence;
  matrixLast = Date.now();
  let reply;
  try {
    reply = await apiGet('matrix', { by });
  } catch (e) {
    if (mine === matrixSequence) $('#matrix').replaceChildren(h('p', { class: 'muted' }, 'matrix: ' + e.message));
    return;
  }
  if (mine !== matrixSequence) return;
  if (!reply.networks.length) {
    $('#matrix').replaceChildren(h('p', { class: 'muted' }, 'no hosts to probe from'));
    return;
  }
  const cells = new Map(reply.cells.map((c) => [c.from + '\u0000' + c.to, c]));
  const head = h('tr', {}, h('th', { class: 'corner' }, 'from \\ to'), reply.networks.map((n) => h('th', { class: 'col' }, n)));
  const rows = reply.networks.map((from) => h('tr', {}, h('th', { class: 'row' }, from), reply.networks.map((to) => {
    if (from === to) return h('td', { class: 'cell self' }, '');
    const c = cells.get(from + '\u0000' + to);
    if (!c) return h('td', { class: 'cell' }, '?');
    const flagged = c.verdict === 'asymmetric' || c.verdict === 'one-way';
    return h('td', {
      class: `cell v-${c.verdict}`, 'data-from': from, 'data-to': to, 'data-verdict': c.verdict,
      'data-from-host': c.from_host, 'data-to-host': c.to_host,
      title: `${c.from_host} → ${c.to_host}: ${c.verdict}\nthere: ${directionText(c.there)}\nback: ${directionText(c.back)}`,
      onclick: () => {
        $('#trace-from').value = c.from_host;
        $('#trace-to').value = c.to_host;
        runProbe({ type: 'trace', from: c.from_host, to: c.to_host, allPaths: $('#trace-all-paths').checked });
      },
    }, flagged ? h('span', { class: 'flag', title: c.verdict }, '⚠ ') : null, cellText(c));
  })));
  $('#matrix').replaceChildren(
    h('table', { class: 'matrix', 'data-by': reply.by }, h('thead', {}, head), h('tbody', {}, rows)),
    h('p', { class: 'muted legend-line' },
      'ER: ExpressRoute, VPN, peering, direct; X/Y: X there, Y for the answer back; -: unreachable; ',
      h('span', { class: 'flag' }, '⚠'), ' asymmetric or one-way'));
}

function matrixNetworkCount() {
  const topo = state.topology;
  const by = $('#matrix-by').value;
  const hosts = topo.nodes.filter((n) => n.kind === 'host');
  if (by === 'host') return hosts.length;
  const outside = hosts.filter((n) => !n.vnet).length;
  if (by === 'vnet') return topo.vnets.length + outside;
  return topo.vnets.length + new Set(hosts.filter((n) => !n.vnet).map((n) => n.site || n.name)).size;
}

function maybeRefreshMatrix() {
  if (matrixNetworkCount() > MATRIX_AUTO_LIMIT) {
    if (!$('#matrix').firstChild) {
      $('#matrix').replaceChildren(h('p', { class: 'muted' },
        `${matrixNetworkCount()} networks: press Refresh to probe every pair.`));
    }
    return;
  }
  if (Date.now() - matrixLast < MATRIX_MIN_INTERVAL_MS) {
    clearTimeout(maybeRefreshMatrix.timer);
    maybeRefreshMatrix.timer = setTimeout(maybeRefreshMatrix, MATRIX_MIN_INTERVAL_MS);
    return;
  }
  loadMatrix();
}

// ---------------------------------------------------------------- the side panel

function openPanel(panel) {
  const wasOpen = Boolean(state.panel);
  state.panel = panel;
  state.panelNote = null;
  $('#panel').hidden = false;
  $('#panel-body').scrollTop = 0;
  if (!wasOpen) refitUnlessZoomedByHand();
  renderPanel();
}

function closePanel() {
  state.panel = null;
  $('#panel').hidden = true;
  refitUnlessZoomedByHand();
}

// The panel takes width from the diagram: fit it again, unless the user chose a zoom.
function refitUnlessZoomedByHand() {
  if (!state.zoomedByHand) zoomToFit();
}

let panelSequence = 0;

async function renderPanel() {
  const panel = state.panel;
  if (!panel) return;
  const mine = ++panelSequence;
  let title;
  let body;
  try {
    if (panel.kind === 'node') [title, body] = await nodePanel(panel.name);
    else if (panel.kind === 'vnet') [title, body] = await vnetPanel(panel.name);
    else if (panel.kind === 'link') [title, body] = linkPanel(panel.name);
    else [title, body] = sessionPanel(panel.node, panel.peer);
  } catch (e) {
    title = panel.name || `${panel.node} → ${panel.peer}`;
    body = [h('p', { class: 'error-text' }, e.message)];
  }
  // Only the latest rendering of the panel still open is shown.
  if (mine !== panelSequence || state.panel !== panel) return;
  $('#panel-title').textContent = title;
  const scroll = $('#panel-body').scrollTop;
  $('#panel-body').replaceChildren(...body);
  $('#panel-body').scrollTop = scroll;
}

function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function nodeLink(name) {
  return h('a', { href: '#', class: 'node-link', onclick: (ev) => { ev.preventDefault(); openPanel({ kind: 'node', name }); } }, name);
}

function vnetLink(name) {
  return h('a', { href: '#', class: 'node-link', onclick: (ev) => { ev.preventDefault(); openPanel({ kind: 'vnet', name }); } }, name);
}

async function change(words, body, what) {
  try {
    const result = await apiPost(words, body);
    const dropped = result.sessions && result.sessions.length ? `; sessions: ${result.sessions.join(', ')}` : '';
    setPanelNote(`${what}: done${result.changed === false ? ' (no change)' : ''}${dropped}`);
  } catch (e) {
    // A missing or wrong token: 401 unauthorized (or 403 forbidden).
    const hint = e.code === 'unauthorized' || e.code === 'forbidden' ? ' (paste the token in the field at the top)' : '';
    setPanelNote(`${what}: ${e.message}${hint}`, true);
    showError(`${what}: ${e.message}${hint}`);
  }
  scheduleRefresh();
}

function setPanelNote(text, isError) {
  state.panelNote = { text, isError };
  const note = $('#panel-note');
  if (note) {
    note.textContent = text;
    note.classList.toggle('error-text', Boolean(isError));
  }
}

function panelNote() {
  const note = state.panelNote;
  return h('p', { id: 'panel-note', class: note && note.isError ? 'error-text' : 'muted' }, note ? note.text : '');
}

function sessionButtons(node, peer, withIds) {
  if (!state.allowChanges) return null;
  const button = (action, label) => h('button', {
    type: 'button', id: withIds ? 'session-' + action : null, class: 'session-' + action, 'data-action': action,
    onclick: () => change('session/' + action, { node, peer }, `session ${action} ${node} ${peer}`),
  }, label);
  return h('span', { class: 'buttons' }, button('shutdown', 'shutdown'), button('enable', 'enable'), button('reset', 'reset'));
}

const ageText = (s) => (s < 120 ? `${s}s` : s < 7200 ? `${Math.floor(s / 60)}m` : `${Math.floor(s / 3600)}h`);

function sessionsTable(node) {
  const sessions = state.sessions.filter((s) => s.node === node);
  if (!sessions.length) return h('p', { class: 'muted' }, 'no BGP sessions');
  const anyError = sessions.some((s) => s.last_error);
  const rows = sessions.map((s) => h('tr', { 'data-peer': s.peer, 'data-state': s.state },
    h('td', {}, state.layout.nodes.has(s.peer) ? nodeLink(s.peer) : s.peer),
    h('td', {}, s.peer_as),
    h('td', { class: stateClass(s.state) + ' state' }, s.state),
    h('td', { class: 'num' }, ageText(s.state_since_s)),
    h('td', { class: 'num', title: 'accepted / advertised' }, `${s.prefixes_accepted} / ${s.prefixes_advertised}`),
    anyError ? h('td', { class: 'muted' }, s.last_error || '') : null,
    state.allowChanges ? h('td', {}, sessionButtons(node, s.peer, false)) : null));
  const headers = ['peer', 'AS', 'state', 'for', 'in / out'];
  if (anyError) headers.push('last error');
  if (state.allowChanges) headers.push('');
  return table(headers, rows, { id: 'panel-sessions' });
}

function ribTable(rib) {
  const rows = [];
  const routes = rib.routes.slice(0, RIB_ROWS_SHOWN);
  for (const route of routes) {
    route.paths.forEach((p, i) => {
      rows.push(h('tr', { class: p.best ? 'best' : 'alternative', 'data-prefix': route.prefix },
        h('td', { class: 'mark' }, p.best ? '*' : p.multipath ? '=' : ''),
        h('td', {}, i === 0 ? route.prefix : ''),
        h('td', {}, p.from),
        h('td', {}, p.as_path === '' ? '(local)' : p.as_path),
        h('td', {}, p.next_hop || 'self'),
        h('td', { class: 'why', title: p.lost_at || '' }, p.best ? 'best' : p.lost_because || ''),
        h('td', { class: 'num' }, p.local_pref ?? '-'),
        h('td', { class: 'num' }, p.med ?? '-'),
        h('td', { class: 'num' }, p.weight)));
    });
  }
  const parts = [table(['', 'prefix', 'from', 'AS path', 'next hop', 'decided by', 'LP', 'MED', 'weight'], rows, { class: 'rib' })];
  if (rib.routes.length > routes.length) {
    parts.push(h('p', { class: 'muted' }, `${rib.routes.length - routes.length} more prefixes; filter by prefix, or bgpemuctl show rib`));
  }
  return parts;
}

function fibTable(fib) {
  const rows = [];
  for (const route of fib.routes) {
    for (const c of route.candidates) {
      const hops = c.blackhole ? 'blackhole' : c.next_hops.map((n) => (n.address ? `via ${n.address} on ${n.interface}` : `directly on ${n.interface}`)).join(', ');
      rows.push(h('tr', { class: c.installed ? 'installed' : 'candidate' },
        h('td', { class: 'mark' }, c.installed ? '>' : ''),
        h('td', {}, route.prefix), h('td', {}, c.protocol), h('td', { class: 'num' }, c.distance),
        h('td', {}, c.source), h('td', {}, hops + (c.usable ? '' : ' (unusable)'))));
    }
  }
  return table(['', 'prefix', 'protocol', 'dist', 'from', 'next hops'], rows, { class: 'fib' });
}

// Effective routes as the Azure portal lists them.
function effectiveRoutesTable(reply) {
  const rows = reply.effective_routes.map((r) => h('tr', { class: 'state-' + r.state.toLowerCase() },
    h('td', {}, r.source), h('td', {}, r.state), h('td', {}, r.prefix), h('td', {}, r.next_hop_type),
    h('td', {}, r.next_hop_addresses.join(', ') || '-'),
    h('td', { class: 'muted' }, r.peer_vnet ? `peering with ${r.peer_vnet}`
      : r.via ? `${r.via} (AS path ${r.as_path_length}, weight ${r.weight}) via ${r.gateways.join(', ')}` : '',
    r.note ? ` — ${r.note}` : '')));
  return table(['Source', 'State', 'Address Prefixes', 'Next Hop Type', 'Next Hop IP Address', ''], rows,
    { class: 'effective-routes', id: 'effective-routes' });
}

function prefixFilter(panel) {
  const input = h('input', { type: 'text', placeholder: 'prefix, e.g. 10.10.30.0/24', value: panel.prefix || '', class: 'prefix-filter' });
  const apply = () => { panel.prefix = input.value.trim(); renderPanel(); };
  input.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') apply(); });
  return h('span', { class: 'row' }, input, h('button', { type: 'button', onclick: apply }, 'show'));
}

async function nodePanel(name) {
  const node = state.topology.nodes.find((n) => n.name === name);
  if (!node) throw new Error(`${name} is no longer in the topology`);
  const inVnet = node.vnet && state.topology.vnets.some((v) => v.name === node.vnet);
  const hasRib = node.kind === 'speaker';
  // A host in a VNet has no table of its own: its VNet's effective routes are its routes.
  const hasFib = !(node.kind === 'host' && inVnet) && node.kind !== 'external';
  const panel = state.panel;
  const [rib, fib, effective] = await Promise.all([
    hasRib ? apiGet('show/rib', { node: name, prefix: panel.prefix }).catch((e) => e) : null,
    hasFib ? apiGet('show/fib', { node: name }).catch((e) => e) : null,
    node.kind === 'host' && inVnet ? apiGet('show/fib', { node: node.vnet }).catch((e) => e) : null,
  ]);
  const section = (heading, content) => h('section', {}, h('h3', {}, heading),
    content instanceof Error ? h('p', { class: 'error-text' }, content.message) : content);
  const body = [
    facts([
      ['kind', node.kind], ['role', node.role || '—'], ['ASN', node.asn],
      ['site', node.site], ['circuit', node.circuit], ['VNet', node.vnet ? vnetLink(node.vnet) : null],
    ]),
    panelNote(),
  ];
  if (node.kind === 'speaker' || state.sessions.some((s) => s.node === name)) body.push(section('Sessions', sessionsTable(name)));
  if (rib) body.push(section('Loc-RIB', rib instanceof Error ? rib : [prefixFilter(panel), ribTable(rib)]));
  if (fib) body.push(section('FIB', fib instanceof Error ? fib : fibTable(fib)));
  if (effective) body.push(section(`Effective routes (VNet ${node.vnet})`, effective instanceof Error ? effective : effectiveRoutesTable(effective)));
  return [name, body];
}

async function vnetPanel(name) {
  const vnet = state.topology.vnets.find((v) => v.name === name);
  if (!vnet) throw new Error(`VNet ${name} is no longer in the topology`);
  const effective = await apiGet('show/fib', { node: name }).catch((e) => e);
  const peerings = vnet.peerings.map((p) => h('li', {}, vnetLink(p.vnet),
    p.allow_gateway_transit ? ' (allow gateway transit)' : '', p.use_remote_gateways ? ' (use remote gateways)' : ''));
  const body = [
    facts([
      ['address space', vnet.address_spaces.join(', ')],
      ['gateways', vnet.gateways.length ? vnet.gateways.flatMap((g, i) => [i ? ', ' : '', nodeLink(g)]) : 'none'],
      ['hosts', vnet.hosts.length ? vnet.hosts.flatMap((g, i) => [i ? ', ' : '', nodeLink(g)]) : 'none'],
    ]),
    peerings.length ? h('section', {}, h('h3', {}, 'Peerings'), h('ul', {}, peerings)) : null,
    h('section', {}, h('h3', {}, 'Effective routes'),
      effective instanceof Error ? h('p', { class: 'error-text' }, effective.message) : effectiveRoutesTable(effective)),
  ];
  return ['VNet ' + name, body];
}

function linkPanel(name) {
  const link = state.links.find((l) => l.name === name);
  if (!link) throw new Error(`link ${name} is no longer in the topology`);
  const sessions = state.sessions.filter((s) => pairKey(s.node, s.peer) === pairKey(link.a.node, link.b.node));
  const body = [
    facts([
      ['state', h('span', { class: link.up ? 'st-established' : 'st-idle', id: 'link-state' }, link.up ? 'up' : 'down')],
      ['end a', [nodeLink(link.a.node), ` ${link.a.interface} ${link.a.address}`]],
      ['end b', [nodeLink(link.b.node), ` ${link.b.interface} ${link.b.address}`]],
      ['delay', `${link.delay_ms} ms one way`],
    ]),
    state.allowChanges ? h('p', { class: 'buttons' },
      h('button', { type: 'button', id: 'link-down', disabled: !link.up, onclick: () => change('link', { action: 'down', link: name }, `link down ${name}`) }, 'link down'),
      h('button', { type: 'button', id: 'link-up', disabled: link.up, onclick: () => change('link', { action: 'up', link: name }, `link up ${name}`) }, 'link up'))
      : null,
    panelNote(),
    h('section', {}, h('h3', {}, 'Sessions over this link'), sessions.length
      ? h('ul', {}, sessions.map((s) => h('li', { 'data-session-row': sessionKey(s) },
        h('a', { href: '#', onclick: (ev) => { ev.preventDefault(); openPanel({ kind: 'session', node: s.node, peer: s.peer }); } }, `${s.node} → ${s.peer}`),
        ' ', h('span', { class: stateClass(s.state) }, s.state))))
      : h('p', { class: 'muted' }, 'none')),
  ];
  return ['link ' + name, body];
}

function sessionPanel(node, peer) {
  const s = state.sessions.find((x) => x.node === node && x.peer === peer);
  if (!s) throw new Error(`no session ${node} → ${peer}`);
  const body = [
    facts([
      ['state', h('span', { class: stateClass(s.state), id: 'session-state' }, s.state)],
      ['for', ageText(s.state_since_s)],
      ['node', nodeLink(node)], ['peer', state.layout.nodes.has(peer) ? nodeLink(peer) : peer],
      ['description', s.description], ['type', s.type], ['peer address', s.peer_address],
      ['AS', `${s.local_as} → ${s.peer_as}`], ['prefixes', `${s.prefixes_accepted} accepted, ${s.prefixes_advertised} advertised`],
      ['hold time', s.hold_time_s === null ? null : `${s.hold_time_s} s`], ['peer router id', s.peer_router_id],
      ['established', `${s.established_count} times`], ['last error', s.last_error],
    ]),
    state.allowChanges ? h('p', {}, sessionButtons(node, peer, true)) : null,
    panelNote(),
  ];
  return [`session ${node} → ${peer}`, body];
}

// ---------------------------------------------------------------- events and refresh

function eventTime(ms) {
  const d = new Date(ms);
  return d.toTimeString().slice(0, 8) + '.' + String(d.getMilliseconds()).padStart(3, '0');
}

function addEvents(events) {
  const list = $('#events');
  for (const e of events) {
    if (state.eventsSeen.has(e.sequence)) continue;
    state.eventsSeen.add(e.sequence);
    const item = h('li', { 'data-sequence': e.sequence, 'data-kind': e.kind, class: 'event-' + e.kind, title: e.text },
      h('time', {}, eventTime(e.time_ms)), ' ', h('span', { class: 'kind' }, e.kind), ' ', e.text);
    // Newest first; an event older than the first shown (from the initial list) goes below.
    const after = [...list.children].find((li) => Number(li.getAttribute('data-sequence')) < e.sequence);
    list.insertBefore(item, after || null);
  }
  while (list.children.length > EVENTS_KEPT) {
    state.eventsSeen.delete(Number(list.lastChild.getAttribute('data-sequence')));
    list.lastChild.remove();
  }
}

let refreshTimer = null;
let refreshRunning = false;
let refreshAgain = false;
let refreshTopologyToo = false;  // a reload event: the topology itself may have changed
let lastRefresh = 0;

// Coalesces a burst of events into at most one refresh per REFRESH_MIN_INTERVAL_MS,
// never two at once.
function scheduleRefresh(withTopology) {
  if (withTopology) refreshTopologyToo = true;
  if (refreshRunning) { refreshAgain = true; return; }
  if (refreshTimer) return;
  const wait = Math.max(0, REFRESH_MIN_INTERVAL_MS - (Date.now() - lastRefresh));
  refreshTimer = setTimeout(async () => {
    refreshTimer = null;
    refreshRunning = true;
    lastRefresh = Date.now();
    const withTopologyNow = refreshTopologyToo;
    refreshTopologyToo = false;
    try {
      await refresh(withTopologyNow);
    } catch (e) {
      showError('refresh: ' + e.message);
    }
    refreshRunning = false;
    if (refreshAgain) { refreshAgain = false; scheduleRefresh(); }
  }, wait);
}

async function refresh(withTopology) {
  const [topology, links, sessions] = await Promise.all([
    withTopology || !state.topology ? apiGet('show/topology') : state.topology,
    apiGet('show/links').then((r) => r.links).catch((e) => (e.code === 'no_topology' ? [] : Promise.reject(e))),
    apiGet('show/sessions').then((r) => r.sessions),
  ]);
  const topologyChanged = topology !== state.topology;
  state.topology = topology;
  state.links = links;
  state.sessions = sessions;
  if (topologyChanged) fillHostSelects();
  if (structureKeyOf() !== state.structureKey) {
    const first = !state.layout;
    renderDiagram();
    if (first) zoomToFit();
  } else {
    updateStates();
  }
  const pending = [];
  if (state.panel) pending.push(renderPanel());
  if (state.probe) pending.push(runProbe(state.probe));
  await Promise.all(pending);
  maybeRefreshMatrix();
}

function connectEvents() {
  if (!window.EventSource) return;
  const source = new EventSource(API + 'events');
  const live = (on) => {
    state.live = on;
    $('#live').classList.toggle('on', on);
    $('#live').classList.toggle('off', !on);
  };
  source.addEventListener('open', () => {
    live(true);
    // Whatever happened while disconnected is fetched once.
    apiGet('show/events', { limit: 100 }).then((r) => addEvents(r.events)).catch(() => {});
    scheduleRefresh();
  });
  source.addEventListener('error', () => live(false));
  const onItem = (ev) => {
    try { addEvents([JSON.parse(ev.data)]); } catch (e) { /* a malformed item still means something changed */ }
    scheduleRefresh(ev.type === 'reload');
  };
  for (const kind of ['session', 'link', 'reload']) source.addEventListener(kind, onItem);
  source.addEventListener('routes', () => scheduleRefresh());
}

async function start() {
  adoptTokenFromFragment();
  wireTokenField();
  wireDiagram();
  wireProbe();
  $('#panel-close').addEventListener('click', closePanel);
  $('#matrix-run').addEventListener('click', loadMatrix);
  $('#matrix-by').addEventListener('change', loadMatrix);
  window.addEventListener('resize', refitUnlessZoomedByHand);

  try {
    const caps = await apiGet('capabilities');
    state.allowChanges = Boolean(caps.allow_changes);
  } catch (e) {
    state.allowChanges = false;
  }
  showChangesState();
  try {
    await refresh(true);
  } catch (e) {
    $('#daemon-status').textContent = 'cannot reach the daemon: ' + e.message;
  }
  apiGet('show/events', { limit: 100 }).then((r) => addEvents(r.events)).catch(() => {});
  connectEvents();
  setInterval(() => { if (!state.live) scheduleRefresh(); }, POLL_FALLBACK_MS);
}

start();
