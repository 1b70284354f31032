import { Inject, Module } from '@nestjs/common';
import { AccountDirectory } from './account-directory.js';
import { DeviceAuthGuard } from './device-auth.guard.js';
import { DeviceAuthenticator } from './device-auth.service.js';
import { DeviceCredentialsView } from './device-credentials.view.js';
import { DeviceLastSeen } from './device-last-seen.js';
import { DeviceTokenCheck } from './device-token-check.js';
import { PasswordSignIn } from './password-sign-in.service.js';
import { RegistryClient } from '@pushmail/edge';

@Module({
  providers: [
    DeviceCredentialsView,
    AccountDirectory,
    DeviceLastSeen,
    RegistryClient,
    PasswordSignIn,
    DeviceTokenCheck,
    DeviceAuthenticator,
    DeviceAuthGuard,
  ],
  exports: [
    DeviceCredentialsView,
    AccountDirectory,
    DeviceLastSeen,
    RegistryClient,
    DeviceAuthenticator,
    DeviceAuthGuard,
  ],
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
