// Nova's quotas that have no counterpart in the shared state: fixed at Nova's defaults. The limits
// and usage the state does keep are the model's (model/quotas.ts), which Neutron reads too.
export const FIXED_LIMITS = {
  metadata_items: 128,
  injected_files: 5,
  injected_file_content_bytes: 10240,
  injected_file_path_bytes: 255,
  server_groups: 10,
  server_group_members: 10,
  fixed_ips: -1,
} as const;
