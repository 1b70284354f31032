import { Column, PrimaryColumn } from 'typeorm';

/** The key of a row about one device of one account, however often it registers again. */
export abstract class DeviceKey {
  @PrimaryColumn({ name: 'account_id', type: 'uuid' })
  accountId!: string;

  @PrimaryColumn({ name: 'device_id', type: 'varchar', length: 128 })
  deviceId!: string;
}

/** The columns a record about one device starts with: its own id and the device it belongs to. */
export abstract class DeviceRecord {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'account_id', type: 'uuid' })
  accountId!: string;

  @Column({ name: 'device_id', type: 'varchar', length: 128 })
  deviceId!: string;
}
