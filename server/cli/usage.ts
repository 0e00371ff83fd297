/** Bad command-line arguments: the CLI prints the message and the usage, and exits with 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const DEFAULT_SERVER = 'http://127.0.0.1:8840';

export const USAGE = `Usage: sluice <command> [options]

Commands:
  start     Run the server.
            [--port 8840] [--host 127.0.0.1] [--data ./data] [--nodes module.js ...] [--no-demo]
            [--mqtt-port 1884 | --no-mqtt] [--secrets-key-file PATH] [--tls-cert cert.pem --tls-key key.pem]
            [--heap-growth 30] [--log-level info]
            --nodes may be repeated; each module's default export is a node definition or an array of them.
            On the first start of an empty data directory the demo flow is deployed, unless --no-demo.
            An embedded MQTT broker (MQTT 3.1.1, sessions in memory; the demo's broker) listens on --host,
            port 1884 unless --mqtt-port says otherwise (0 = a free port); --no-mqtt turns it off. When
            1884 is taken the server starts without it; a port given with --mqtt-port must be free.
            Secrets are encrypted with SLUICE_SECRETS_KEY (base64, 32 bytes), --secrets-key-file, or else
            DATA/secrets.key, created on the first start: back it up separately from the data directory.
            Without users, prints a one-time link that creates the first admin. A --host other than
            loopback needs an admin user first. SLUICE_ADMIN_TOKEN (32+ characters) is accepted as an
            admin bearer token (CI, containers). --heap-growth: percent the JavaScript heap may grow past
            its live data before a full collection (lower: less memory, more collections; 0: V8's own).
            --log-level: fatal, error, warn, info (default), debug (adds a line per HTTP request), trace
            or silent; logs are JSON lines (pino) on stderr, secret values redacted.
            [--cluster nats://h1:4222,nats://h2:4222,... [--cluster-name sluice] [--server-id ID]
             [--nats-user NAME] [--nats-creds FILE] [--nats-tls-ca ca.pem] [--nats-tls-cert c.pem --nats-tls-key k.pem]]
            Cluster mode: journals in NATS JetStream; every server started with the same NATS and
            cluster name shares the flows' partitions. The password of --nats-user comes from
            SLUICE_NATS_PASSWORD, a NATS token from SLUICE_NATS_TOKEN. The server id is kept in
            DATA/server-id unless --server-id gives one.
  deploy    FILE [--server ${DEFAULT_SERVER}] [--token TOKEN]
            Validate and deploy the flow document in FILE on a running server.
  export    FLOW_ID [--server ${DEFAULT_SERVER}] [--revision draft|deployed|N] [--token TOKEN]
            Print a flow document (default: the draft) to stdout.
  secrets   generate-key [--out FILE]            a new random key (base64), on stdout or into FILE (mode 600)
            rotate-key [--data ./data] [--secrets-key-file PATH]
                                                 re-encrypt every secret under a new key (stop the server first)
            set NAME [--server ${DEFAULT_SERVER}] [--token TOKEN]   set a secret on a running server (admin);
                                                  the value is read from stdin
            list [--server ${DEFAULT_SERVER}] [--token TOKEN]       names of the stored secrets (editor)
  validate  FILE [--nodes module.js ...]
            Check a flow document offline, as a deploy would (secret and env references are assumed set).
  import-node-red FILE [--out DIR] [--tab TAB]
            Translate a Node-RED export node for node: one Sluice flow document per tab (or the tab chosen)
            into DIR (default .), and node-red-import-report.json saying what became of every node.
  user      add NAME [--role viewer|editor|admin] [--password-stdin] | list | remove NAME
            | set-role NAME ROLE | password NAME [--password-stdin]      [--data ./data]
            Without --password-stdin a password is generated and printed once.
  token     create --scope SCOPE [--scope ...] [--name NAME] [--expires 90d] [--rate N] | list | revoke ID
            [--data ./data]. Scopes: viewer, editor, admin, or external read-only scopes flow:<id>,
            alerts, alerts:<flowId>, dashboard:<page> (rate-limited, default 60 requests/minute). The token is
            printed once.

deploy, export and secrets set/list send --token, else SLUICE_TOKEN, as a bearer token, to --server, else
SLUICE_SERVER, else ${DEFAULT_SERVER}. After npm install in a clone, run this CLI as \`npx sluice\` in the clone;
\`npm link\` (or \`npm install -g .\`) there puts \`sluice\` on the PATH.

Exit codes: 0 ok, 1 problems found or the command failed, 2 usage error.
`;
