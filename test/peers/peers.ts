import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, request, type IncomingMessage, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeServer, forwardRequest, listenOnLoopback, relayAnswer } from '../support/forward.js';

/**
 * The real reverse proxies CI systems put in front of storage, each started here in the foreground on 127.0.0.1
 * with a config of its own in a temp dir, in front of a startLocalOss() endpoint, with one timeout set small.
 * Nothing outside the temp dir is read or written but the packages' own files (modules, Traffic Server's
 * error pages); no system config, no service.
 */

/** The one small timeout each peer gets, in seconds. */
export const LIMIT_SECONDS = 2;

/** 'idle': a heartbeat would beat it. 'whole-request': it bounds a request however busy it is. */
export type LimitKind = 'idle' | 'whole-request';

export interface PeerLimit {
  kind: LimitKind;
  /** The directive as the server's documentation names it. */
  directive: string;
  /** Its value as written in the config. */
  value: string;
}

/** One way a peer is made to answer in OSS's place with a 200 that has none of OSS's headers. */
export interface Bare200 {
  id: string;
  /** How, as the README's table says it. */
  how: string;
}

/** A peer configured with one small timeout, or answering in OSS's place with bare 200s (`bare200`: a Bare200's id). */
export type PeerMode = { limit: PeerLimit } | { bare200: string };

export interface RunningPeer {
  /** e.g. 'http://127.0.0.1:34567' */
  endpoint: string;
  /** The server's logs so far (stdout, stderr and the log files in its temp dir), for a failure's message. */
  logs(): string;
  /** Kills the process group, removes the temp dir. */
  stop(): Promise<void>;
}

export interface Peer {
  name: string;
  /** The executable `which` must find; undefined for Node's own http.Server, run in this process. */
  binary: string | undefined;
  limits: readonly PeerLimit[];
  /** The ways the peer answers in OSS's place with bare 200s. */
  bare200: readonly Bare200[];
  /**
   * The peer ends every connection just after its answer without saying so (no `Connection: close`): a keep-alive
   * client's next request on that socket is lost. The tests run such a peer with ali-oss's default agent and with
   * an agent that opens a connection per request.
   */
  closesConnectionsSilently?: boolean;
  start(upstream: string, mode: PeerMode): Promise<RunningPeer>;
}

/** Whether `binary` is on the PATH. */
export function hasBinary(binary: string): boolean {
  return spawnSync('which', [binary], { stdio: 'ignore' }).status === 0;
}

/** A free port on 127.0.0.1 (free when asked: the server binds it a moment later). */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** What a config function gets: where to write, where to listen, where to forward. */
interface ConfigContext {
  dir: string;
  port: number;
  /** The local OSS. */
  upstream: URL;
  mode: PeerMode;
  /** For peers that cannot answer themselves: a stub behind the peer that answers POSTs with an empty 200. */
  stub?: URL;
}

interface Launch {
  command: string;
  args: string[];
  /** Files to write into the temp dir first, by name relative to it. */
  files: Record<string, string>;
  /** Subdirectories the server (maybe after dropping root) writes into: created world-writable. */
  writableDirs?: string[];
  env?: Record<string, string>;
  /** The Host of the readiness probe; default as ali-oss sends it to an IP endpoint. */
  probeHost?: string;
}

function limitOf(mode: PeerMode): PeerLimit | undefined {
  return 'limit' in mode ? mode.limit : undefined;
}

/** The config line for `directive` when it is the mode's limit, else nothing. */
function when(mode: PeerMode, directive: string, line: string): string {
  return limitOf(mode)?.directive === directive ? line : '';
}

const S = LIMIT_SECONDS;

/**
 * A stub for the bare-200 case of peers that cannot answer by themselves: POSTs get an empty 200 with
 * nothing of OSS's, everything else (the HEADs) is forwarded to the local OSS.
 */
async function startBareStub(upstream: URL): Promise<{ url: URL; close(): Promise<void> }> {
  const server: Server = createHttpServer((req, res) => {
    if (req.method === 'POST') {
      req.resume();
      res.writeHead(200, { 'Content-Length': '0' }).end();
      return;
    }
    const forward = forwardRequest(upstream, req, (answer) => relayAnswer(answer, res));
    forward.on('error', () => res.destroy());
  });
  const endpoint = await listenOnLoopback(server);
  return { url: new URL(endpoint), close: () => closeServer(server) };
}

/** One HEAD through the peer: true once the local OSS answered it (OSS's x-oss-request-id came back). */
function reachesOss(port: number, host = 'peer-probe.oss-cn-hangzhou.aliyuncs.com'): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = request(
      {
        host: '127.0.0.1',
        port,
        method: 'HEAD',
        path: '/peer-ready-probe',
        // By default as ali-oss sends it to an IP endpoint: a peer that routes by Host must route this one.
        headers: { Host: host },
        agent: false,
        timeout: 2000,
      },
      (answer: IncomingMessage) => {
        answer.resume();
        resolve(typeof answer.headers['x-oss-request-id'] === 'string');
      },
    );
    probe.on('timeout', () => probe.destroy());
    probe.on('error', () => resolve(false));
    probe.end();
  });
}

function readLogs(dir: string, names: string[]): string {
  return names
    .map((name) => {
      try {
        const text = readFileSync(join(dir, name), 'utf8').trim();
        return text === '' ? '' : `--- ${name}\n${text.slice(-4000)}`;
      } catch {
        return '';
      }
    })
    .filter(Boolean)
    .join('\n');
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // ESRCH: the group is gone.
  }
}

/** Starts a server process in a group of its own, waits until requests through it reach the local OSS. */
async function launchProcess(
  name: string,
  upstream: string,
  mode: PeerMode,
  configure: (context: ConfigContext) => Launch,
  options: { stub?: boolean; logFiles?: string[]; startupMs?: number } = {},
): Promise<RunningPeer> {
  const dir = await mkdtemp(join(tmpdir(), `peer-${name}-`));
  // Servers that drop root (nginx's workers, Squid, lighttpd...) read their config from here.
  await chmod(dir, 0o755);
  const stub = options.stub && 'bare200' in mode ? await startBareStub(new URL(upstream)) : undefined;
  const port = await freePort();
  const launch = configure({ dir, port, upstream: new URL(upstream), mode, stub: stub?.url });
  for (const sub of launch.writableDirs ?? []) {
    await mkdir(join(dir, sub), { recursive: true });
    await chmod(join(dir, sub), 0o777);
  }
  for (const [file, text] of Object.entries(launch.files)) {
    await mkdir(join(dir, file, '..'), { recursive: true });
    await writeFile(join(dir, file), text);
  }
  const out = openSync(join(dir, 'stdout.log'), 'a');
  const err = openSync(join(dir, 'stderr.log'), 'a');
  const child = spawn(launch.command, launch.args, {
    cwd: dir,
    detached: true,
    stdio: ['ignore', out, err],
    env: { ...process.env, ...launch.env },
  });
  closeSync(out);
  closeSync(err);
  const exited = once(child, 'exit').catch(() => undefined);
  let stopping: Promise<void> | undefined;
  const logNames = ['stdout.log', 'stderr.log', ...(options.logFiles ?? [])];
  const peer: RunningPeer = {
    endpoint: `http://127.0.0.1:${port}`,
    logs: () => readLogs(dir, logNames),
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          killGroup(child, 'SIGTERM');
          await Promise.race([exited, sleep(5000)]);
        }
        // Whatever the leader left (workers, Varnish's child) goes too.
        killGroup(child, 'SIGKILL');
        if (child.exitCode === null && child.signalCode === null) await exited;
        await stub?.close();
        await rm(dir, { recursive: true, force: true });
      })()),
  };
  const deadline = Date.now() + (options.startupMs ?? 20_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const logs = peer.logs();
      await peer.stop();
      throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before it forwarded a request:\n${logs}`);
    }
    if (await reachesOss(port, launch.probeHost)) return peer;
    if (Date.now() > deadline) {
      const logs = peer.logs();
      await peer.stop();
      throw new Error(`${name} did not forward a request to the local OSS within ${options.startupMs ?? 20_000} ms:\n${logs}`);
    }
    await sleep(100);
  }
}

const hostPort = (url: URL): string => `${url.hostname}:${url.port}`;

// ---------------------------------------------------------------------------------------------------------------
// nginx 1.22: proxy_pass without a URI passes the request's URI as it came.

const nginx: Peer = {
  name: 'nginx',
  binary: 'nginx',
  limits: [{ kind: 'idle', directive: 'client_body_timeout', value: `${S}s` }],
  bare200: [{ id: 'return', how: '`if ($request_method = POST) { return 200; }`' }],
  start: (upstream, mode) =>
    launchProcess(
      'nginx',
      upstream,
      mode,
      ({ dir, port, upstream: oss }) => ({
        command: 'nginx',
        args: ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')],
        writableDirs: ['temp'],
        files: {
          'nginx.conf': `
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 256; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/temp/body;
  proxy_temp_path ${dir}/temp/proxy;
  fastcgi_temp_path ${dir}/temp/fastcgi;
  uwsgi_temp_path ${dir}/temp/uwsgi;
  scgi_temp_path ${dir}/temp/scgi;
  server {
    listen 127.0.0.1:${port};
    ${when(mode, 'client_body_timeout', `client_body_timeout ${S}s;`)}
    location / {
      ${'bare200' in mode ? 'if ($request_method = POST) { return 200; }' : ''}
      proxy_pass http://${hostPort(oss)};
      proxy_set_header Host $http_host;
    }
  }
}
`,
        },
      }),
      { logFiles: ['error.log'] },
    ),
};

// ---------------------------------------------------------------------------------------------------------------
// HAProxy 2.6, in the foreground (-db).

const haproxy: Peer = {
  name: 'HAProxy',
  binary: 'haproxy',
  limits: [
    { kind: 'idle', directive: 'timeout server', value: `${S}s` },
    // Without http-buffer-request, `timeout client 2s` did not end a streamed body silent for 6 s here (a plain
    // putStream was stored): HAProxy bounds the client's silence while it waits for the body it buffers.
    { kind: 'idle', directive: 'timeout client', value: `${S}s (with option http-buffer-request)` },
    { kind: 'whole-request', directive: 'timeout http-request', value: `${S}s (with option http-buffer-request)` },
  ],
  bare200: [{ id: 'return', how: '`http-request return status 200 if METH_POST`' }],
  start: (upstream, mode) =>
    launchProcess('haproxy', upstream, mode, ({ dir, port, upstream: oss }) => {
      const limit = limitOf(mode)?.directive;
      return {
        command: 'haproxy',
        args: ['-db', '-f', join(dir, 'haproxy.cfg')],
        files: {
          'haproxy.cfg': `
global
  maxconn 256
defaults
  mode http
  timeout connect 5s
  timeout client ${limit === 'timeout client' ? `${S}s` : '60s'}
  timeout server ${limit === 'timeout server' ? `${S}s` : '60s'}
  ${limit === 'timeout http-request' ? `timeout http-request ${S}s` : ''}
  ${limit === 'timeout http-request' || limit === 'timeout client' ? 'option http-buffer-request' : ''}
frontend web
  bind 127.0.0.1:${port}
  ${'bare200' in mode ? 'http-request return status 200 if METH_POST' : ''}
  default_backend oss
backend oss
  server oss ${hostPort(oss)}
`,
        },
      };
    }),
};

// ---------------------------------------------------------------------------------------------------------------
// Apache 2.4 (event MPM), mod_proxy_http, in the foreground; workers as www-data.

const apache: Peer = {
  name: 'Apache',
  binary: 'apache2',
  limits: [
    { kind: 'idle', directive: 'Timeout', value: `${S}` },
    { kind: 'whole-request', directive: 'RequestReadTimeout', value: `body=${S}` },
  ],
  bare200: [{ id: 'lua', how: '`LuaQuickHandler` (mod_lua) setting `r.status = 200` for POST' }],
  start: (upstream, mode) =>
    launchProcess(
      'apache2',
      upstream,
      mode,
      ({ dir, port, upstream: oss }) => {
        const modules = ['mpm_event', 'authz_core', 'proxy', 'proxy_http', 'reqtimeout', ...('bare200' in mode ? ['lua'] : [])];
        return {
          command: 'apache2',
          args: ['-f', join(dir, 'apache2.conf'), '-DFOREGROUND'],
          files: {
            'apache2.conf': `
ServerRoot ${dir}
ServerName 127.0.0.1
Listen 127.0.0.1:${port}
PidFile ${dir}/apache2.pid
DefaultRuntimeDir ${dir}
ErrorLog ${dir}/error.log
LogLevel warn
User www-data
Group www-data
${modules.map((module) => `LoadModule ${module}_module /usr/lib/apache2/modules/mod_${module}.so`).join('\n')}
${when(mode, 'Timeout', `Timeout ${S}`)}
${when(mode, 'RequestReadTimeout', `RequestReadTimeout body=${S}`)}
${'bare200' in mode ? `LuaQuickHandler ${dir}/bare200.lua handle` : ''}
ProxyPreserveHost On
ProxyPass / http://${hostPort(oss)}/
`,
            'bare200.lua': `
function handle(r)
  if r.method == "POST" then
    r.status = 200
    return apache2.OK
  end
  return apache2.DECLINED
end
`,
          },
        };
      },
      { logFiles: ['error.log'] },
    ),
};

// ---------------------------------------------------------------------------------------------------------------
// Caddy 2.6, `caddy run` with a Caddyfile; no admin endpoint, no HTTPS, its state in the temp dir. The site is
// `http://:port` (any Host): ali-oss sends Host <bucket>.oss-<region>.aliyuncs.com even to an IP endpoint, and a
// site address `http://127.0.0.1:port` does not match it, so Caddy answers every request with its empty 200.

const caddy: Peer = {
  name: 'Caddy',
  binary: 'caddy',
  limits: [{ kind: 'whole-request', directive: 'read_body', value: `${S}s` }],
  bare200: [
    { id: 'respond', how: '`respond @post 200` (`@post method POST`)' },
    {
      id: 'unmatched-site',
      how: "site address `http://127.0.0.1:<port>`, which ali-oss's Host (`<bucket>.oss-<region>.aliyuncs.com`) does not match: Caddy's empty 200 to every request, HEADs included",
    },
  ],
  start: (upstream, mode) =>
    launchProcess('caddy', upstream, mode, ({ dir, port, upstream: oss }) => {
      const unmatched = 'bare200' in mode && mode.bare200 === 'unmatched-site';
      return {
        command: 'caddy',
        args: ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'],
        env: { HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_DATA_HOME: join(dir, 'data') },
        // The unmatched site is reached only with its own Host.
        probeHost: unmatched ? `127.0.0.1:${port}` : undefined,
        files: {
          Caddyfile: `
{
  admin off
  auto_https off
  ${when(mode, 'read_body', `servers {\n    timeouts {\n      read_body ${S}s\n    }\n  }`)}
}
${unmatched ? `http://127.0.0.1:${port}` : `http://:${port}`} {
  bind 127.0.0.1
  ${'bare200' in mode && !unmatched ? '@post method POST\n  respond @post 200' : ''}
  reverse_proxy ${hostPort(oss)}
}
`,
        },
      };
    }),
};

// ---------------------------------------------------------------------------------------------------------------
// lighttpd 1.4.69, in the foreground (-D), as www-data. Debian's package has no mod_magnet: the bare 200s come
// from a stub that lighttpd sends POSTs to ($HTTP["request-method"] == "POST").

const lighttpd: Peer = {
  name: 'lighttpd',
  binary: 'lighttpd',
  limits: [{ kind: 'idle', directive: 'server.max-read-idle', value: `${S}` }],
  bare200: [{ id: 'stub', how: 'POSTs routed (`$HTTP["request-method"] == "POST"`) to a stub that answers an empty 200' }],
  start: (upstream, mode) =>
    launchProcess(
      'lighttpd',
      upstream,
      mode,
      ({ dir, port, upstream: oss, stub }) => {
        const backend = (url: URL): string => `( "" => ( ( "host" => "${url.hostname}", "port" => ${url.port} ) ) )`;
        return {
          command: 'lighttpd',
          args: ['-D', '-f', join(dir, 'lighttpd.conf')],
          writableDirs: ['upload', 'logs'],
          files: {
            'lighttpd.conf': `
server.document-root = "${dir}"
server.bind = "127.0.0.1"
server.port = ${port}
server.username = "www-data"
server.groupname = "www-data"
server.errorlog = "${dir}/logs/error.log"
server.upload-dirs = ( "${dir}/upload" )
server.modules = ( "mod_proxy" )
${when(mode, 'server.max-read-idle', `server.max-read-idle = ${S}`)}
proxy.server = ${backend(oss)}
${stub ? `$HTTP["request-method"] == "POST" {\n  proxy.server = ${backend(stub)}\n}` : ''}
`,
          },
        };
      },
      { stub: true, logFiles: ['logs/error.log'] },
    ),
};

// ---------------------------------------------------------------------------------------------------------------
// Varnish 7.1, in the foreground (-F), every request passed to the backend, as the builtin VCL does with requests
// that carry Authorization (all signed OSS requests do; through the builtin VCL alone, HEADs were not cached here).

const varnish: Peer = {
  name: 'Varnish',
  binary: 'varnishd',
  limits: [{ kind: 'idle', directive: 'timeout_idle', value: `${S}` }],
  bare200: [{ id: 'synth', how: '`return (synth(200))` for POST in vcl_recv, with an empty `resp.body` in vcl_synth' }],
  start: (upstream, mode) =>
    launchProcess('varnish', upstream, mode, ({ dir, port, upstream: oss }) => ({
      command: 'varnishd',
      args: [
        '-F',
        '-a',
        `127.0.0.1:${port}`,
        '-T',
        'none',
        '-n',
        join(dir, 'work'),
        '-f',
        join(dir, 'default.vcl'),
        '-s',
        'malloc,16m',
        ...(limitOf(mode)?.directive === 'timeout_idle' ? ['-p', `timeout_idle=${S}`] : []),
      ],
      files: {
        'default.vcl': `
vcl 4.1;
backend oss { .host = "${oss.hostname}"; .port = "${oss.port}"; }
sub vcl_recv {
  ${'bare200' in mode ? 'if (req.method == "POST") { return (synth(200)); }' : ''}
  return (pass);
}
${'bare200' in mode ? 'sub vcl_synth {\n  set resp.body = "";\n  return (deliver);\n}' : ''}
`,
      },
    })),
};

// ---------------------------------------------------------------------------------------------------------------
// Squid 5.7 as an accelerator (reverse proxy), no daemon (-N), nothing cached, as the proxy user. A cache_peer gets
// the client's Authorization only with login=PASSTHRU: without it OSS answered 403 AccessDenied to every request
// (appendStream: AppendRefusedError at once). Squid cannot answer a 200 by itself: the bare 200s come from a stub
// cache_peer that POSTs go to.

const squid: Peer = {
  name: 'Squid',
  binary: 'squid',
  limits: [{ kind: 'whole-request', directive: 'client_lifetime', value: `${S} seconds` }],
  bare200: [{ id: 'stub', how: 'POSTs sent to a stub `cache_peer` (`cache_peer_access stub allow post`) that answers an empty 200' }],
  start: (upstream, mode) =>
    launchProcess(
      'squid',
      upstream,
      mode,
      ({ dir, port, upstream: oss, stub }) => ({
        command: 'squid',
        args: ['-N', '-f', join(dir, 'squid.conf')],
        writableDirs: ['logs'],
        files: {
          'squid.conf': `
http_port 127.0.0.1:${port} accel defaultsite=127.0.0.1:${port} vhost
acl post method POST
cache_peer ${oss.hostname} parent ${oss.port} 0 no-query originserver no-digest login=PASSTHRU name=oss
${stub ? `cache_peer ${stub.hostname} parent ${stub.port} 0 no-query originserver no-digest login=PASSTHRU name=stub\ncache_peer_access stub allow post\ncache_peer_access stub deny all\ncache_peer_access oss deny post` : ''}
cache_peer_access oss allow all
never_direct allow all
http_access allow all
cache deny all
cache_mem 8 MB
cache_effective_user proxy
pid_filename ${dir}/logs/squid.pid
cache_log ${dir}/logs/cache.log
access_log stdio:${dir}/logs/access.log
coredump_dir ${dir}/logs
shutdown_lifetime 0 seconds
${when(mode, 'client_lifetime', `client_lifetime ${S} seconds`)}
`,
        },
      }),
      { stub: true, logFiles: ['logs/cache.log'] },
    ),
};

// ---------------------------------------------------------------------------------------------------------------
// h2o 2.2, in the foreground, as nobody; the bare 200s from an mruby handler before the proxy.

const h2o: Peer = {
  name: 'h2o',
  binary: 'h2o',
  limits: [{ kind: 'whole-request', directive: 'http1-request-timeout', value: `${S}` }],
  bare200: [{ id: 'mruby', how: '`mruby.handler` answering `[200, {}, []]` to POST (399, the next handler, otherwise)' }],
  start: (upstream, mode) =>
    launchProcess(
      'h2o',
      upstream,
      mode,
      ({ dir, port, upstream: oss }) => ({
        command: 'h2o',
        args: ['-c', join(dir, 'h2o.conf')],
        writableDirs: ['logs'],
        files: {
          'h2o.conf': `
listen:
  host: 127.0.0.1
  port: ${port}
user: nobody
pid-file: ${dir}/logs/h2o.pid
error-log: ${dir}/logs/error.log
${when(mode, 'http1-request-timeout', `http1-request-timeout: ${S}`)}
hosts:
  default:
    paths:
      /:
${
  'bare200' in mode
    ? `        mruby.handler: |
          Proc.new do |env|
            env["REQUEST_METHOD"] == "POST" ? [200, {}, []] : [399, {}, []]
          end
`
    : ''
}        proxy.reverse.url: http://${hostPort(oss)}/
        proxy.preserve-host: ON
`,
        },
      }),
      { logFiles: ['logs/error.log'] },
    ),
};

// ---------------------------------------------------------------------------------------------------------------
// tinyproxy 1.11 as a reverse proxy (ReverseOnly), in the foreground (-d); it cannot answer by itself: the
// bare 200s come from a stub it forwards to.

const tinyproxy: Peer = {
  name: 'tinyproxy',
  binary: 'tinyproxy',
  limits: [{ kind: 'idle', directive: 'Timeout', value: `${S}` }],
  bare200: [{ id: 'stub', how: 'its ReversePath upstream is a stub that answers POSTs with an empty 200 (HEADs forwarded)' }],
  closesConnectionsSilently: true,
  start: (upstream, mode) =>
    launchProcess(
      'tinyproxy',
      upstream,
      mode,
      ({ dir, port, upstream: oss, stub }) => ({
        command: 'tinyproxy',
        args: ['-d', '-c', join(dir, 'tinyproxy.conf')],
        writableDirs: ['logs'],
        files: {
          'tinyproxy.conf': `
User nobody
Group nogroup
Port ${port}
Listen 127.0.0.1
Timeout ${limitOf(mode)?.directive === 'Timeout' ? S : 600}
MaxClients 32
LogFile "${dir}/logs/tinyproxy.log"
LogLevel Info
PidFile "${dir}/logs/tinyproxy.pid"
DisableViaHeader Yes
ReverseOnly Yes
ReversePath "/" "http://${hostPort(stub ?? oss)}/"
`,
        },
      }),
      { stub: true, logFiles: ['logs/tinyproxy.log'] },
    ),
};

// ---------------------------------------------------------------------------------------------------------------
// Apache Traffic Server 9.2, traffic_server alone, its whole layout in the temp dir (TS_RUNROOT), no cache.

const trafficServer: Peer = {
  name: 'Traffic Server',
  binary: 'traffic_server',
  limits: [{ kind: 'idle', directive: 'proxy.config.http.transaction_no_activity_timeout_in', value: `${S}` }],
  bare200: [
    {
      id: 'header_rewrite',
      how: 'header_rewrite remap plugin: `cond %{METHOD} =POST`, `set-status 200` (a 200 with its 207-byte HTML error page)',
    },
  ],
  start: (upstream, mode) =>
    launchProcess(
      'trafficserver',
      upstream,
      mode,
      ({ dir, port, upstream: oss }) => {
        const records: Record<string, string> = {
          'proxy.config.http.server_ports': `STRING ${port}:ipv4:ip-in=127.0.0.1`,
          'proxy.config.admin.user_id': 'STRING trafficserver',
          'proxy.config.http.cache.http': 'INT 0',
          'proxy.config.reverse_proxy.enabled': 'INT 1',
          'proxy.config.url_remap.remap_required': 'INT 1',
          'proxy.config.url_remap.pristine_host_hdr': 'INT 1',
          'proxy.config.http.transaction_no_activity_timeout_in': `INT ${
            limitOf(mode)?.directive === 'proxy.config.http.transaction_no_activity_timeout_in' ? S : 30
          }`,
          'proxy.config.exec_thread.autoconfig': 'INT 0',
          'proxy.config.exec_thread.limit': 'INT 2',
          'proxy.config.diags.debug.enabled': 'INT 0',
          'proxy.config.log.logging_enabled': 'INT 0',
          'proxy.config.hostdb.host_file.path': 'STRING /etc/hosts',
        };
        const plugin = 'bare200' in mode ? ` @plugin=header_rewrite.so @pparam=${dir}/etc/bare200.conf` : '';
        return {
          command: 'traffic_server',
          args: [],
          env: { TS_RUNROOT: join(dir, 'runroot.yaml') },
          writableDirs: ['etc', 'log', 'run', 'cache', 'var'],
          files: {
            'runroot.yaml': [
              'prefix: /usr',
              'exec_prefix: /usr',
              'bindir: /usr/bin',
              'sbindir: /usr/sbin',
              'includedir: /usr/include',
              'libdir: /usr/lib/trafficserver',
              'libexecdir: /usr/lib/trafficserver/modules',
              'datadir: /usr/share/trafficserver',
              `sysconfdir: ${dir}/etc`,
              `localstatedir: ${dir}/var`,
              `runtimedir: ${dir}/run`,
              `logdir: ${dir}/log`,
              `cachedir: ${dir}/cache`,
              '',
            ].join('\n'),
            'etc/records.config': Object.entries(records)
              .map(([name, value]) => `CONFIG ${name} ${value}\n`)
              .join(''),
            // Any Host: ali-oss sends <bucket>.oss-<region>.aliyuncs.com.
            'etc/remap.config': `regex_map http://.*/ http://${hostPort(oss)}/${plugin}\n`,
            'etc/bare200.conf': 'cond %{REMAP_PSEUDO_HOOK} [AND]\ncond %{METHOD} =POST\nset-status 200\n',
            'etc/storage.config': `${dir}/cache 32M\n`,
            'etc/ip_allow.yaml': [
              'ip_allow:',
              '  - apply: in',
              '    ip_addrs: 127.0.0.1',
              '    action: allow',
              '    methods: ALL',
              '',
            ].join('\n'),
            'etc/plugin.config': '',
            'etc/logging.yaml': '',
            'etc/cache.config': '',
            'etc/hosting.config': '',
            'etc/volume.config': '',
            'etc/parent.config': '',
            'etc/socks.config': '',
            'etc/splitdns.config': '',
            'etc/ssl_multicert.config': '',
            'etc/sni.yaml': '',
            'etc/strategies.yaml': '',
          },
        };
      },
      { logFiles: ['log/diags.log', 'log/traffic.out', 'log/error.log'], startupMs: 30_000 },
    ),
};

// ---------------------------------------------------------------------------------------------------------------
// Node's own http.Server, in this process, forwarding as test/support/forward.ts does.

const nodeHttp: Peer = {
  name: 'Node http.Server',
  binary: undefined,
  limits: [
    { kind: 'idle', directive: 'server.setTimeout()', value: `${S * 1000}` },
    { kind: 'whole-request', directive: 'requestTimeout', value: `${S * 1000}` },
  ],
  bare200: [{ id: 'handler', how: 'a request handler answering `res.writeHead(200).end()` to POST' }],
  async start(upstream, mode) {
    const target = new URL(upstream);
    const limit = limitOf(mode)?.directive;
    const server = createHttpServer(
      { requestTimeout: limit === 'requestTimeout' ? S * 1000 : 0, connectionsCheckingInterval: 100 },
      (req, res) => {
        if ('bare200' in mode && req.method === 'POST') {
          req.resume();
          res.writeHead(200, { 'Content-Length': '0' }).end();
          return;
        }
        const forward = forwardRequest(target, req, (answer) => relayAnswer(answer, res));
        forward.on('error', () => res.destroy());
      },
    );
    if (limit === 'server.setTimeout()') server.setTimeout(S * 1000);
    const endpoint = await listenOnLoopback(server);
    let closing: Promise<void> | undefined;
    return { endpoint, logs: () => '', stop: () => (closing ??= closeServer(server)) };
  },
};

export const PEERS: readonly Peer[] = [nginx, haproxy, apache, caddy, lighttpd, varnish, squid, h2o, tinyproxy, trafficServer, nodeHttp];
