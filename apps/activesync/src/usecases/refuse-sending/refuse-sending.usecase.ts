import { Injectable } from '@nestjs/common';
import { el } from '@pushmail/activesync';
import type { EasCommand, EasReply } from '../../protocol/eas-command.js';
import { CommonStatus } from '../../protocol/eas-status.js';

/**
 * SendMail, SmartReply and SmartForward: pushmail has no submission path yet, so the device is told
 * plainly (Status 137, command not supported) rather than shown a message as sent that never leaves.
 */
abstract class RefuseSending implements EasCommand {
  abstract readonly command: 'SendMail' | 'SmartReply' | 'SmartForward';

  async execute(): Promise<EasReply> {
    return {
      body: el(
        'ComposeMail',
        this.command,
        el('ComposeMail', 'Status', String(CommonStatus.CommandNotSupported)),
      ),
    };
  }
}

@Injectable()
export class RefuseSendMail extends RefuseSending {
  readonly command = 'SendMail';
}

@Injectable()
export class RefuseSmartReply extends RefuseSending {
  readonly command = 'SmartReply';
}

@Injectable()
export class RefuseSmartForward extends RefuseSending {
  readonly command = 'SmartForward';
}
