/**
 * A device as it describes itself when it signs in with its account's password, and the address it
 * came from, as the edge saw it: what the edge sends device-registry, which keeps it on the
 * partnership.
 */
export interface DeviceDescription {
  deviceId: string;
  deviceType: string;
  model: string;
  os: string | null;
  userAgent: string | null;
  clientAddress: string | null;
}
