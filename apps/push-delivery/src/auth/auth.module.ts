import { Inject, Module } from '@nestjs/common';
import { AccountDirectory } from './account-directory.js';
import { DeviceAuthGuard } from './device-auth.guard.js';
import { DeviceCredentialsView } from './device-credentials.view.js';
import { DeviceLastSeen } from './device-last-seen.js';

@Module({
  providers: [DeviceCredentialsView, AccountDirectory, DeviceLastSeen, DeviceAuthGuard],
  exports: [DeviceCredentialsView, AccountDirectory, DeviceLastSeen, DeviceAuthGuard],
})
export class AuthModule {
  constructor(
    @Inject(DeviceCredentialsView) credentials: DeviceCredentialsView,
    @Inject(DeviceLastSeen) lastSeen: DeviceLastSeen,
  ) {
    // Sightings of removed devices would otherwise pile up for the life of the process.
    credentials.onAccountChanged((accountId, snapshot) =>
      lastSeen.retainDevices(accountId, new Set(snapshot?.devices.map((device) => device.deviceId))),
    );
  }
}
