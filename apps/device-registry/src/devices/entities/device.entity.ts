import type { DeviceAccessLevel } from '@pushmail/contracts';
import { Column, Entity } from 'typeorm';
import { DeviceKey } from './device-record.js';

export type AccessSource = 'exemption' | 'rule' | 'default';
export type DeviceAuthMethod = 'token' | 'password';
export type DeviceStatus = 'active' | 'wiped';
export type DeviceProtocol = 'jmap' | 'activesync';

/** A partnership: one device of one account, however often it registers again. */
@Entity({ name: 'devices' })
export class Device extends DeviceKey {
  @Column({ name: 'device_type', type: 'varchar', length: 64 })
  deviceType!: string;

  @Column({ type: 'varchar', length: 128 })
  model!: string;

  @Column({ type: 'varchar', length: 128, nullable: true })
  os!: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent!: string | null;

  @Column({ type: 'varchar', length: 16 })
  access!: DeviceAccessLevel;

  /** The rule that decided `access`, worded for an administrator. */
  @Column({ name: 'access_reason', type: 'varchar', length: 500, nullable: true })
  accessReason!: string | null;

  @Column({ name: 'access_source', type: 'varchar', length: 16 })
  accessSource!: AccessSource;

  /** The access rule that decided, when one did; rules may be deleted later, the wording stays. */
  @Column({ name: 'access_rule_id', type: 'uuid', nullable: true })
  accessRuleId!: string | null;

  @Column({ name: 'access_decided_at', type: 'timestamptz' })
  accessDecidedAt!: Date;

  /** How the device signs in: its own token, or the account's password (a standard JMAP client). */
  @Column({ name: 'auth_method', type: 'varchar', length: 16 })
  authMethod!: DeviceAuthMethod;

  @Column({ type: 'varchar', length: 16 })
  status!: DeviceStatus;

  @Column({ name: 'wiped_at', type: 'timestamptz', nullable: true })
  wipedAt!: Date | null;

  @Column({ name: 'acknowledged_policy_id', type: 'uuid', nullable: true })
  acknowledgedPolicyId!: string | null;

  @Column({ name: 'acknowledged_policy_version', type: 'integer', nullable: true })
  acknowledgedPolicyVersion!: number | null;

  @Column({ name: 'policy_acknowledged_at', type: 'timestamptz', nullable: true })
  policyAcknowledgedAt!: Date | null;

  @Column({ name: 'first_sync_at', type: 'timestamptz', nullable: true })
  firstSyncAt!: Date | null;

  @Column({ name: 'last_sync_at', type: 'timestamptz', nullable: true })
  lastSyncAt!: Date | null;

  @Column({ name: 'last_seen_address', type: 'varchar', length: 64, nullable: true })
  lastSeenAddress!: string | null;

  /** `activesync` once the gateway reports the device; every other device speaks JMAP. */
  @Column({ type: 'varchar', length: 16, default: 'jmap' })
  protocol!: DeviceProtocol;

  @Column({ name: 'protocol_version', type: 'varchar', length: 8, nullable: true })
  protocolVersion!: string | null;

  @Column({ name: 'last_command', type: 'varchar', length: 32, nullable: true })
  lastCommand!: string | null;

  @Column({ name: 'last_command_at', type: 'timestamptz', nullable: true })
  lastCommandAt!: Date | null;

  /** The Ping heartbeat the device asked for, in seconds (ActiveSync). */
  @Column({ name: 'heartbeat_seconds', type: 'integer', nullable: true })
  heartbeatSeconds!: number | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
