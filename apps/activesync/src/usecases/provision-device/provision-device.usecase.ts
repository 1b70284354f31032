import { randomInt } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  child,
  childText,
  COMMON_STATUS,
  el,
  POLICY_STATUS,
  POLICY_TYPE,
  PROVISION_STATUS,
  tokenOf,
  type WbxmlElement,
} from '@pushmail/activesync';
import type { EasCommand, EasCommandContext, EasReply } from '../../protocol/eas-command.js';
import { DeviceTrail } from '@pushmail/edge';
import { DeviceStore } from '../../state/device-store.js';
import { DeviceInformation } from '../update-settings/device-information.js';
import { provisionDocument } from './provision-document.js';
import { ProvisioningRecords } from './provisioning-records.js';

/** A policy key: a 32-bit unsigned number other than 0, which means "none". */
function newPolicyKey(): number {
  return randomInt(1, 0xffffffff);
}

/**
 * Provision, in its two phases: the device asks, and gets the account's policy as an
 * EASProvisionDoc with a temporary key; it applies the policy and acknowledges with that key, and
 * only then gets the key that lets it sync, recorded in device-registry like a JMAP device's
 * acknowledgement. A pending remote wipe is answered instead with RemoteWipe (or, for 16.1,
 * AccountOnlyRemoteWipe), and the device's confirmation is recorded in device-registry.
 */
@Injectable()
export class ProvisionDevice implements EasCommand {
  readonly command = 'Provision';

  constructor(
    @Inject(DeviceStore) private readonly devices: DeviceStore,
    @Inject(ProvisioningRecords) private readonly records: ProvisioningRecords,
    @Inject(DeviceInformation) private readonly deviceInformation: DeviceInformation,
    @Inject(DeviceTrail) private readonly trail: DeviceTrail,
  ) {}

  async execute(context: EasCommandContext): Promise<EasReply> {
    const body = context.body;
    if (!body) return reply(PROVISION_STATUS.ProtocolError);
    const { accountId, deviceId } = context.device;

    // 14.1 and later send their DeviceInformation inside Provision.
    const information = child(body, 'DeviceInformation', 'Settings');
    const informationReply = information
      ? await this.deviceInformation.record(context, information)
      : undefined;

    const wipe = context.standing.pendingWipe;
    const wipeAck = child(body, 'RemoteWipe', 'Provision') ?? accountOnlyWipe(body);
    if (wipe) {
      const accountOnly = wipe.kind === 'account';
      if (wipeAck && childText(wipeAck, 'Status', 'Provision') !== undefined) {
        const confirmed = await this.records.confirmWipe({ accountId, deviceId, wipeId: wipe.wipeId });
        if (!confirmed.recorded) return retrySoon('the wipe could not be recorded; retry shortly');
        context.log.info({ accountId, wipeId: wipe.wipeId }, 'remote wipe confirmed by the device');
        return reply(PROVISION_STATUS.Success, informationReply);
      }
      return reply(
        PROVISION_STATUS.Success,
        informationReply,
        accountOnly ? el('Provision', 'AccountOnlyRemoteWipe') : el('Provision', 'RemoteWipe'),
      );
    }

    const policyRequest = child(child(body, 'Policies', 'Provision') ?? body, 'Policy', 'Provision');
    if (!policyRequest) return reply(PROVISION_STATUS.ProtocolError, informationReply);
    const policyType = childText(policyRequest, 'PolicyType', 'Provision');
    if (policyType !== POLICY_TYPE) {
      return reply(
        PROVISION_STATUS.Success,
        informationReply,
        policies(el('Provision', 'PolicyType', policyType ?? ''), status(POLICY_STATUS.UnknownPolicyType)),
      );
    }
    const acknowledgedKey = childText(policyRequest, 'PolicyKey', 'Provision');
    const acknowledgedStatus = childText(policyRequest, 'Status', 'Provision');
    const policy = context.standing.policy;

    if (acknowledgedKey === undefined) {
      // Phase one: the policy and a temporary key.
      const temporaryKey = newPolicyKey();
      await this.devices.update(accountId, deviceId, { temporaryPolicyKey: temporaryKey });
      this.trail.record(accountId, {
        deviceId,
        kind: 'policyDecision',
        detail: policy ? `Provision challenge for policy version ${policy.version}` : 'Provision challenge',
        activesync: {
          command: 'Provision',
          status: 'challenge',
          ...(policy ? { policyId: policy.policyId, policyVersion: policy.version } : {}),
        },
      });
      return reply(
        PROVISION_STATUS.Success,
        informationReply,
        policyGranted(temporaryKey, el('Provision', 'Data', provisionDocument(policy?.settings ?? null))),
      );
    }

    // Phase two: the acknowledgement.
    if (
      context.record.temporaryPolicyKey === null ||
      acknowledgedKey !== String(context.record.temporaryPolicyKey)
    ) {
      return reply(
        PROVISION_STATUS.Success,
        informationReply,
        policies(el('Provision', 'PolicyType', POLICY_TYPE), status(POLICY_STATUS.WrongPolicyKey)),
      );
    }
    if (acknowledgedStatus !== '1') {
      // The device could not apply the policy: it gets no key, and cannot sync.
      return { body: el('Provision', 'Provision', status(COMMON_STATUS.DeviceNotFullyProvisionable)) };
    }
    if (policy) {
      const acknowledged = await this.records.acknowledgePolicy({
        accountId,
        deviceId,
        policyId: policy.policyId,
        version: policy.version,
      });
      if (!acknowledged.recorded)
        return 'refusal' in acknowledged
          ? { http: 409, detail: acknowledged.refusal }
          : retrySoon('the acknowledgement could not be recorded; retry shortly');
    }
    const finalKey = newPolicyKey();
    await this.devices.update(accountId, deviceId, {
      temporaryPolicyKey: null,
      policyKey: finalKey,
      policyId: policy?.policyId ?? null,
      policyVersion: policy?.version ?? null,
    });
    return reply(PROVISION_STATUS.Success, informationReply, policyGranted(finalKey));
  }
}

function status(value: number): WbxmlElement {
  return el('Provision', 'Status', String(value));
}

function policies(...content: Array<WbxmlElement | undefined>): WbxmlElement {
  return el('Provision', 'Policies', el('Provision', 'Policy', ...content));
}

/** The policy accepted under `policyKey` (a temporary key comes with the policy's document). */
function policyGranted(policyKey: number, document?: WbxmlElement): WbxmlElement {
  return policies(
    el('Provision', 'PolicyType', POLICY_TYPE),
    status(POLICY_STATUS.Success),
    el('Provision', 'PolicyKey', String(policyKey)),
    document,
  );
}

function retrySoon(detail: string): EasReply {
  return { http: 503, detail, headers: { 'Retry-After': '5' } };
}

function reply(value: number, information?: WbxmlElement, ...rest: WbxmlElement[]): EasReply {
  return { body: el('Provision', 'Provision', status(value), information, ...rest) };
}

/** The 16.1 AccountOnlyRemoteWipe acknowledgement, when the codec knows the tag. */
function accountOnlyWipe(body: WbxmlElement): WbxmlElement | undefined {
  return tokenOf('Provision', 'AccountOnlyRemoteWipe')
    ? child(body, 'AccountOnlyRemoteWipe', 'Provision')
    : undefined;
}
