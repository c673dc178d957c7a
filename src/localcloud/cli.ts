// `faafo-tutor cloud …`: the commander wiring of control/. `serve` is the cloud itself (what `up`
// starts in the background); SIGTERM or SIGINT stops every node and writes the state; a second
// signal exits at once.
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  type CloudIo,
  cloudDown,
  cloudEnv,
  cloudReset,
  cloudStatus,
  cloudUp,
  defaultDataDir,
  type ServingCloud,
  serveCloud,
} from './control/index.ts';
import { parseVcpuFraction } from './nodes/limits/vcpu-fraction.ts';

function parseFraction(value: string): number {
  try {
    return parseVcpuFraction(value, '--vcpu-fraction');
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

const vcpuFractionOption = () =>
  new Option(
    '--vcpu-fraction <share>',
    "share of a host core one node vCPU gets, above 0 and at most 1 (default: $FAAFO_CLOUD_VCPU_FRACTION, else host cores ÷ 6, so the guide's scaled-out topology fits)",
  ).argParser(parseFraction);

function parseSlot(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 254)
    throw new InvalidArgumentError('It must be a whole number from 0 to 254.');
  return n;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535)
    throw new InvalidArgumentError('It must be a port number from 0 to 65535.');
  return n;
}

const dataDirOption = () =>
  new Option(
    '--data-dir <dir>',
    'where the cloud keeps its state and nodes (default: $FAAFO_CLOUD_DIR, else $XDG_DATA_HOME/faafo-tutor/cloud)',
  );

const dataDirOf = (flags: { dataDir?: string }) => flags.dataDir ?? defaultDataDir();

/** Stops the cloud on SIGTERM/SIGINT; a second signal exits at once. */
function stopOnSignals(serving: ServingCloud, io: CloudIo): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      io.stderr.write(`faafo-tutor cloud: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    io.stdout.write(`${new Date().toISOString()} ${signal}: stopping the nodes and the services\n`);
    serving.stop().then(
      () => {
        io.stdout.write(`${new Date().toISOString()} the local cloud stopped\n`);
        process.exit(0);
      },
      (error: unknown) => {
        io.stderr.write(`faafo-tutor cloud: error while stopping: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', onSignal);
}

/** The `cloud` command with its subcommands, for the faafo-tutor program. */
export function cloudCommand(io: CloudIo): Command {
  const cloud = new Command('cloud').description(
    'a local OpenStack (Keystone, Nova, Neutron, Glance) whose servers are processes on this machine',
  );

  cloud
    .command('up')
    .description('start the local cloud in the background; write clouds.yaml and openrc for the clients')
    .addOption(dataDirOption())
    .addOption(
      new Option(
        '--slot <n>',
        'address slot of a new cloud (127.N.x.x); default: the first free one',
      ).argParser(parseSlot),
    )
    .option('--user-clouds-yaml', "also add the 'faafo-local' entry to ~/.config/openstack/clouds.yaml")
    .addOption(vcpuFractionOption())
    .option(
      '--rabbitmq-url <url>',
      "-i messaging uses this RabbitMQ (amqp://user:pass@host:5672/vhost) instead of the embedded broker; kept for later runs, '' removes it (default: $FAAFO_CLOUD_RABBITMQ_URL)",
    )
    .option(
      '--mysql-url <url>',
      "-i database gets a database on this MariaDB (mysql://user:pass@host:3306/) instead of SQLite; kept for later runs, '' removes it (default: $FAAFO_CLOUD_MYSQL_URL)",
    )
    .action(
      async (flags: {
        dataDir?: string;
        slot?: number;
        userCloudsYaml?: boolean;
        rabbitmqUrl?: string;
        mysqlUrl?: string;
        vcpuFraction?: number;
      }) => {
        await cloudUp(
          {
            dataDir: dataDirOf(flags),
            slot: flags.slot,
            userCloudsYaml: flags.userCloudsYaml,
            ...(flags.vcpuFraction !== undefined ? { vcpuFraction: flags.vcpuFraction } : {}),
            ...(flags.rabbitmqUrl !== undefined ? { rabbitmqUrl: flags.rabbitmqUrl } : {}),
            ...(flags.mysqlUrl !== undefined ? { mysqlUrl: flags.mysqlUrl } : {}),
          },
          io,
        );
      },
    );

  cloud
    .command('down')
    .description('stop the local cloud and every node process it started')
    .addOption(dataDirOption())
    .action(async (flags: { dataDir?: string }) => {
      await cloudDown({ dataDir: dataDirOf(flags) }, io);
    });

  cloud
    .command('status')
    .description('whether the cloud runs, its endpoints, and its nodes with their addresses')
    .addOption(dataDirOption())
    .option('--json', 'print JSON')
    .action((flags: { dataDir?: string; json?: boolean }) => {
      cloudStatus({ dataDir: dataDirOf(flags), json: flags.json }, io);
    });

  cloud
    .command('env')
    .description('print the OS_* variables of the running cloud: eval "$(faafo-tutor cloud env)"')
    .addOption(dataDirOption())
    .option(
      '--admin',
      "the cloud administrator's variables (admin on project admin: projects, users, quotas)",
    )
    .action((flags: { dataDir?: string; admin?: boolean }) => {
      cloudEnv({ dataDir: dataDirOf(flags), admin: flags.admin === true }, io);
    });

  cloud
    .command('reset')
    .description('stop the cloud and wipe its state: servers, keys, groups and floating IPs are gone')
    .addOption(dataDirOption())
    .action(async (flags: { dataDir?: string }) => {
      await cloudReset({ dataDir: dataDirOf(flags) }, io);
    });

  cloud
    .command('serve')
    .description('run the local cloud in the foreground (what `cloud up` starts)')
    .addOption(dataDirOption())
    .option('--host <address>', 'loopback address to serve the APIs on', '127.0.0.1')
    .addOption(new Option('--slot <n>', 'address slot of a new cloud').argParser(parseSlot))
    .addOption(new Option('--identity-port <port>', 'Keystone port (default: free)').argParser(parsePort))
    .addOption(new Option('--compute-port <port>', 'Nova port (default: free)').argParser(parsePort))
    .addOption(new Option('--network-port <port>', 'Neutron port (default: free)').argParser(parsePort))
    .addOption(new Option('--image-port <port>', 'Glance port (default: free)').argParser(parsePort))
    .addOption(vcpuFractionOption())
    .action(
      async (flags: {
        dataDir?: string;
        host: string;
        slot?: number;
        identityPort?: number;
        computePort?: number;
        networkPort?: number;
        imagePort?: number;
        vcpuFraction?: number;
      }) => {
        const log = (line: string) => io.stdout.write(`${new Date().toISOString()} ${line}\n`);
        const ports = Object.fromEntries(
          Object.entries({
            identity: flags.identityPort,
            compute: flags.computePort,
            network: flags.networkPort,
            image: flags.imagePort,
          }).filter(([, port]) => port !== undefined),
        );
        const serving = await serveCloud({
          dataDir: dataDirOf(flags),
          host: flags.host,
          slot: flags.slot,
          ports,
          log,
          ...(flags.vcpuFraction !== undefined ? { vcpuFraction: flags.vcpuFraction } : {}),
        });
        log(
          `the local cloud serves (pid ${process.pid}, slot ${serving.run.slot}, data in ${serving.run.dataDir})`,
        );
        for (const [service, url] of Object.entries(serving.run.endpoints))
          log(`  ${service.padEnd(9)} ${url}`);
        stopOnSignals(serving, io);
      },
    );

  return cloud;
}
