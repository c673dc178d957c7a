// The seam between the teacher's board and the cloud a room's students work on. The board asks it
// for a student's own cloud when the student joins and for the host's headroom; one implementation
// provisions projects on the local cloud started for the room (`--shared-cloud`), the same code with
// a real OpenStack's admin credentials (`--cloud NAME`). Without either, the board has no RoomCloud
// and students bring their own cloud.

/** What a student downloads from the board to reach their own project. */
export interface StudentCloud {
  /** A clouds.yaml with one cloud, named as `cloudName`. */
  cloudsYaml: string;
  /** The same credentials as an openrc (`export OS_…`) for the openstack CLI. */
  openrc: string;
  /** The name of the cloud inside cloudsYaml (what `--cloud NAME` / OS_CLOUD takes). */
  cloudName: string;
}

/** A student the host cannot fit, or a cloud that refused: the board answers 503 with the message. */
export class RoomFullError extends Error {
  override name = 'RoomFullError';
}

export interface RoomCloud {
  /** How many more students' lesson topologies fit (null when the cloud cannot say). */
  headroom(): Promise<number | null>;
  /** Makes the student's project, user and quotas; throws RoomFullError when they do not fit. */
  admit(student: { id: string; name: string }): Promise<StudentCloud>;
  /** Removes what admit made for every student of the room (servers, addresses, groups, users, projects). */
  close(): Promise<void>;
}
