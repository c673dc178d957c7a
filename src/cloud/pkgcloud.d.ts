// pkgcloud ships no types. Only what src/cloud/clients.ts touches is declared; the bodies it hands
// back are parsed with zod in models.ts, so they stay `unknown` here.
declare module 'pkgcloud' {
  type Callback<T = unknown> = (error: PkgcloudError | null, value: T) => void;

  export interface PkgcloudError extends Error {
    statusCode?: number;
    result?: unknown;
    code?: string;
    failCode?: string;
  }

  export interface RequestOptions {
    path: string;
    method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
    body?: unknown;
    qs?: Record<string, string>;
  }

  interface BaseClient {
    _request(options: RequestOptions, callback: Callback): void;
    auth(callback: (error: PkgcloudError | null) => void): void;
    on(event: string, listener: (...args: unknown[]) => void): void;
    _identity?: { token?: { id?: string; tenant?: { id?: string; name?: string } } };
  }

  export interface ComputeClient extends BaseClient {
    getServers(callback: Callback<Array<{ original: unknown }>>): void;
    getServer(id: string, callback: Callback<{ original: unknown }>): void;
    createServer(
      options: Record<string, unknown>,
      callback: Callback<{ id: string; original: unknown }>,
    ): void;
    destroyServer(id: string, callback: Callback): void;
    startServer(id: string, callback: Callback): void;
    stopServer(id: string, callback: Callback): void;
    getFlavors(callback: Callback<Array<{ id: string; name: string; original?: unknown }>>): void;
    getImages(
      callback: Callback<Array<{ id: string; name: string; status?: string; original?: unknown }>>,
    ): void;
    getFloatingIps(callback: Callback<unknown[]>): void;
    allocateNewFloatingIp(pool: string, callback: Callback<unknown>): void;
    deallocateFloatingIp(id: string, callback: Callback): void;
    addFloatingIp(serverId: string, address: string, callback: Callback): void;
    listKeys(callback: Callback<unknown[]>): void;
    addKey(options: { name: string; public_key?: string }, callback: Callback<unknown>): void;
    getLimits(callback: Callback<unknown>): void;
    _doServerAction(serverId: string, body: unknown, callback: Callback<unknown>): void;
  }

  export interface NetworkClient extends BaseClient {
    getSecurityGroups(
      callback: Callback<
        Array<{ id: string; name: string; description?: string; securityGroupRules?: unknown[] }>
      >,
    ): void;
    createSecurityGroup(
      options: { name: string; description: string },
      callback: Callback<{ id: string; name: string }>,
    ): void;
    destroySecurityGroup(id: string, callback: Callback): void;
    createSecurityGroupRule(options: Record<string, unknown>, callback: Callback<unknown>): void;
  }

  const pkgcloud: {
    compute: { createClient(options: Record<string, unknown>): ComputeClient };
    network: { createClient(options: Record<string, unknown>): NetworkClient };
  };
  export default pkgcloud;
}
