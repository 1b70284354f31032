import { Module } from '@nestjs/common';
import { BlobsModule } from '../blobs/blobs.module.js';
import { ChangesModule } from '../changes/changes.module.js';
import { PublishingModule } from '../publishing/publishing.module.js';
import { ImportEmailsUseCase } from '../usecases/import-emails/import-emails.usecase.js';
import { ProvisionAccount } from '../usecases/provision-account/provision-account.usecase.js';
import { SetEmailsUseCase } from '../usecases/set-emails/set-emails.usecase.js';
import { SetMailboxesUseCase } from '../usecases/set-mailboxes/set-mailboxes.usecase.js';
import { SetIdentitiesUseCase } from '../usecases/set-identities/set-identities.usecase.js';
import { SubmitEmailsUseCase } from '../usecases/submit-emails/submit-emails.usecase.js';
import { IdentitiesService } from '../identities/identities.service.js';
import { SubmissionOutbox } from '../submissions/submission-outbox.js';
import { EmailSubmissionMethods } from './methods/email-submission.methods.js';
import { InternalTokenGuard } from '@pushmail/platform';
import { JmapController } from './jmap.controller.js';
import { JmapService } from './jmap.service.js';
import { BlobMethods } from './methods/blob.methods.js';
import { DeviceChanges } from './methods/device-change.js';
import { EmailMethods } from './methods/email.methods.js';
import { IdentityMethods } from './methods/identity.methods.js';
import { MailboxMethods } from './methods/mailbox.methods.js';
import { SearchSnippetMethods } from './methods/search-snippet.methods.js';
import { ThreadMethods } from './methods/thread.methods.js';
import { VacationResponseMethods } from './methods/vacation-response.methods.js';

@Module({
  imports: [ChangesModule, BlobsModule, PublishingModule],
  controllers: [JmapController],
  providers: [
    InternalTokenGuard,
    JmapService,
    EmailMethods,
    BlobMethods,
    MailboxMethods,
    ThreadMethods,
    SearchSnippetMethods,
    IdentityMethods,
    DeviceChanges,
    SetEmailsUseCase,
    ImportEmailsUseCase,
    SetMailboxesUseCase,
    ProvisionAccount,
    IdentitiesService,
    SetIdentitiesUseCase,
    EmailSubmissionMethods,
    SubmitEmailsUseCase,
    SubmissionOutbox,
    VacationResponseMethods,
  ],
})
export class JmapModule {}
