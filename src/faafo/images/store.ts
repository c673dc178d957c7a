// Where rendered PNGs live. A config choice (`--image-store`): `database` (the default, as the
// final original faafo) or `disk` (the API node's local directory, as the guide's text describes;
// with two API nodes it reproduces the seed's IOError story). Object storage can be added later
// as one more implementation of this interface.
export interface ImageStore {
  readonly kind: string;
  put(uuid: string, png: Buffer): Promise<void>;
  /** undefined when this store has no image for the uuid. */
  get(uuid: string): Promise<Buffer | undefined>;
  delete(uuid: string): Promise<void>;
}
