// A real three-master Redis Cluster on loopback, for tests: three redis-server processes joined with
// `redis-cli --cluster create`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startRedisServer, type EmbeddedRedis } from '../../src/redis/embedded-server.js';

export interface TestCluster {
  seedUrl: string;
  nodes: EmbeddedRedis[];
  stop(): Promise<void>;
}

export async function startCluster(): Promise<TestCluster> {
  const root = mkdtempSync(join(tmpdir(), 'llrecon-cluster-'));
  const nodes: EmbeddedRedis[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    nodes.push(
      await startRedisServer({
        dir: join(root, String(i)),
        port,
        appendOnly: false,
        extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000'],
      }),
    );
  }
  const r = spawnSync(
    'redis-cli',
    ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`redis-cli --cluster create failed: ${r.stdout}${r.stderr}`);
  // wait until every node reports the cluster healthy
  for (const n of nodes) {
    for (let t = 0; ; t++) {
      const info = spawnSync('redis-cli', ['-p', String(n.port), 'cluster', 'info'], { encoding: 'utf8' }).stdout;
      if (info.includes('cluster_state:ok')) break;
      if (t > 200) throw new Error('cluster did not become ok');
      await new Promise((res) => setTimeout(res, 50));
    }
  }
  return {
    seedUrl: nodes[0]!.url,
    nodes,
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
