// The cloud connection the steps, the tutor and the notebooks use.
export { type ConnectOptions, connect } from './connect.ts';
export type { Connection, CreateNodeOptions, FloatingIpPool, Made } from './driver.ts';
export { CloudError } from './errors.ts';
export type { FloatingIp, Image, KeyPair, Limits, Node, SecurityGroup, Size } from './models.ts';
export { type Check, type Expectation, verify } from './verify.ts';
