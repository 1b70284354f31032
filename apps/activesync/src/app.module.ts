import { Module } from '@nestjs/common';
import { DatabaseModule } from '@pushmail/platform';
import { EasAuthenticator } from './auth/eas-authenticator.js';
import { ACTIVESYNC_SCHEMA, activeSyncDataSourceOptions } from './database/data-source-options.js';
import { MailStore } from './mailbox/mail-store.js';
import { Attachments } from './mailbox/attachments.js';
import { MAILBOX_API, MailboxClient } from './mailbox/mailbox-client.js';
import { MetricsModule } from './metrics/activesync-metrics.js';
import { MailboxChangesController } from './ping/mailbox-changes.controller.js';
import { PingRegistry } from './ping/ping-registry.js';
import { AnnouncedEmailStates } from './ping/announced-email-states.js';
import { PingSupersession } from './ping/ping-supersession.js';
import { ActiveSyncController } from './protocol/activesync.controller.js';
import { AutodiscoverController } from './protocol/autodiscover.controller.js';
import { EAS_COMMANDS, type EasCommand } from './protocol/eas-command.js';
import { DeviceViews } from './registry/device-views.js';
import { DeviceActivityReporter } from './registry/device-activity.reporter.js';
import { RegistryClient, DeviceTrail } from '@pushmail/edge';
import { DeviceStore } from './state/device-store.js';
import { SyncStore } from './state/sync-store.js';
import { CollectionChanges } from './sync/collection-changes.js';
import { FolderView } from './sync/folder-view.js';
import {
  CreateFolder,
  DeleteFolder,
  UpdateFolder,
} from './usecases/change-folders/change-folders.usecase.js';
import { EstimateItems } from './usecases/estimate-items/estimate-items.usecase.js';
import { FetchItems } from './usecases/fetch-items/fetch-items.usecase.js';
import { GetAttachment } from './usecases/get-attachment/get-attachment.usecase.js';
import { MoveItems } from './usecases/move-items/move-items.usecase.js';
import { MailSubmission } from './usecases/send-mail/mail-submission.js';
import { OriginalMessages } from './usecases/send-mail/original-messages.js';
import { SendMail, SmartForward, SmartReply } from './usecases/send-mail/send-mail.usecase.js';
import { SentMessages } from './usecases/send-mail/sent-messages.js';
import { SearchMailbox } from './usecases/search-mailbox/search-mailbox.usecase.js';
import { PingFolders } from './usecases/ping-folders/ping-folders.usecase.js';
import { ProvisionDevice } from './usecases/provision-device/provision-device.usecase.js';
import { ProvisioningRecords } from './usecases/provision-device/provisioning-records.js';
import { AnswerMeetings } from './usecases/answer-meetings/answer-meetings.usecase.js';
import { ResolveRecipients } from './usecases/resolve-recipients/resolve-recipients.usecase.js';
import { ValidateCertificates } from './usecases/validate-certificates/validate-certificates.usecase.js';
import { OutOfOffice } from './usecases/set-out-of-office/out-of-office.js';
import { FindMail } from './usecases/find-mail/find-mail.usecase.js';
import { HoldSync } from './usecases/hold-sync/hold-sync.usecase.js';
import { LastSyncRequests } from './usecases/hold-sync/last-sync-requests.js';
import { SyncEmail } from './usecases/sync-email/sync-email.usecase.js';
import { SyncFolderHierarchy } from './usecases/sync-folder-hierarchy/sync-folder-hierarchy.usecase.js';
import { DeviceInformation } from './usecases/update-settings/device-information.js';
import { UpdateSettings } from './usecases/update-settings/update-settings.usecase.js';

/** Every ActiveSync command the gateway answers, one use case each. */
const commands = [
  ProvisionDevice,
  UpdateSettings,
  SyncFolderHierarchy,
  CreateFolder,
  UpdateFolder,
  DeleteFolder,
  HoldSync,
  PingFolders,
  EstimateItems,
  FetchItems,
  GetAttachment,
  MoveItems,
  SearchMailbox,
  SendMail,
  SmartReply,
  SmartForward,
  ResolveRecipients,
  ValidateCertificates,
  AnswerMeetings,
  FindMail,
];

@Module({
  imports: [
    MetricsModule,
    DatabaseModule.register({ schema: ACTIVESYNC_SCHEMA, dataSourceOptions: activeSyncDataSourceOptions }),
  ],
  controllers: [ActiveSyncController, AutodiscoverController, MailboxChangesController],
  providers: [
    DeviceViews,
    RegistryClient,
    DeviceActivityReporter,
    DeviceTrail,
    EasAuthenticator,
    { provide: MAILBOX_API, useClass: MailboxClient },
    MailStore,
    Attachments,
    DeviceStore,
    SyncStore,
    FolderView,
    CollectionChanges,
    PingRegistry,
    { provide: AnnouncedEmailStates, useFactory: () => new AnnouncedEmailStates() },
    PingSupersession,
    MailSubmission,
    OriginalMessages,
    SentMessages,
    SyncEmail,
    LastSyncRequests,
    OutOfOffice,
    ProvisioningRecords,
    DeviceInformation,
    ...commands,
    {
      provide: EAS_COMMANDS,
      inject: commands,
      useFactory: (...handlers: EasCommand[]) => handlers,
    },
  ],
})
export class AppModule {}
