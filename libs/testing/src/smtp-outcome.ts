import nodemailer from 'nodemailer';

/** The server's final reply to a message handed over: its code and its whole text. */
export interface SmtpOutcome {
  code: number;
  response: string;
}

/**
 * Hands `raw` to the SMTP server on 127.0.0.1:`port` the way a sending server would, and returns
 * the reply that decided it, whether the server accepted the message or refused it.
 */
export async function submitMessage(
  port: number,
  to: string[],
  raw: string | Buffer,
  from = 'sender@elsewhere.example',
): Promise<SmtpOutcome> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  try {
    const info = await transport.sendMail({ envelope: { from, to }, raw });
    return { code: Number(info.response.slice(0, 3)), response: info.response };
  } catch (error) {
    const failure = error as { responseCode?: number; response?: string };
    if (failure.responseCode === undefined) throw error;
    return { code: failure.responseCode, response: failure.response ?? '' };
  } finally {
    transport.close();
  }
}
