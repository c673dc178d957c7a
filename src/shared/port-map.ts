// Where a local-cloud node's guide ports really answer. Port 80 needs root, so a node's API listens
// on 8080 (and a host RabbitMQ on 5672 moves the node's broker to 6672): each node publishes the
// ports that moved in its server metadata, and whoever prints a URL for a user reads them back,
// so the URL works. The local cloud writes the map; the cloud connection and `cloud status` read it.

/** The server metadata key; value `80=8080,5672=6672`, only moved ports, absent when none moved. */
export const PORT_MAP_METADATA_KEY = 'local-cloud:ports';

/** The metadata value for these listens, or undefined when nothing moved. */
export function formatPortMap(
  listens: ReadonlyArray<{ guidePort: number; port: number }>,
): string | undefined {
  const moved = listens.filter((l) => l.port !== l.guidePort).map((l) => `${l.guidePort}=${l.port}`);
  return moved.length > 0 ? moved.join(',') : undefined;
}

/** guide port → real port, from a server's metadata (malformed pairs are ignored). */
export function readPortMap(metadata: Readonly<Record<string, string>> | undefined): Map<number, number> {
  return new Map(
    (metadata?.[PORT_MAP_METADATA_KEY] ?? '')
      .split(',')
      .map((pair) => pair.split('=').map(Number) as [number, number])
      // Number('') is 0: "3306=" or "=8080" is no pair, not a move to or from port 0.
      .filter(([from, to]) => Number.isInteger(from) && Number.isInteger(to) && from > 0 && to > 0),
  );
}
