import { useEffect, useRef, useState } from 'react';
import { api, type Device } from '../../api.js';
import { Form } from '../../components/form.js';
import { devicePath } from '../devices/device-path.js';

export type WipeKind = 'full' | 'account';

/** Asks the registry to have the device erase itself when it next connects. */
export function requestWipe(device: Device, kind: WipeKind): Promise<unknown> {
  return api('POST', `${devicePath(device)}/wipe`, { kind, requestedBy: 'console' });
}

/** Confirms a wipe and what it erases; nothing is requested until the reader confirms. */
export function WipeDialog({
  device,
  onCancel,
  onConfirm,
}: {
  device: Device;
  onCancel: () => void;
  onConfirm: (kind: WipeKind) => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [kind, setKind] = useState<WipeKind>('account');
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const choice = (value: WipeKind, text: string) => (
    <label style={{ flexDirection: 'row' }}>
      <input
        type="radio"
        name="kind"
        value={value}
        checked={kind === value}
        onChange={() => setKind(value)}
      />
      {text}
    </label>
  );
  return (
    <dialog ref={dialog} aria-labelledby="wipe-title" onCancel={onCancel}>
      <Form method="dialog" onSubmit={() => onConfirm(kind)}>
        <h2 id="wipe-title">Wipe {device.deviceId}?</h2>
        <p>
          The device of {device.address} is told to erase data the next time it connects. This cannot be
          undone once the device confirms.
        </p>
        <fieldset>
          <legend>What to erase</legend>
          {choice('account', "Only this account's data")}
          {choice('full', 'The whole device (factory reset)')}
        </fieldset>
        <p>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>{' '}
          <button type="submit" className="danger">
            Confirm wipe
          </button>
        </p>
      </Form>
    </dialog>
  );
}
