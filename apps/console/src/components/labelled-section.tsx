import type { ReactNode } from 'react';

/** A section named by its own heading, so assistive technology can list and jump to it. */
export function LabelledSection({
  id,
  title,
  level = 2,
  children,
}: {
  id: string;
  title: ReactNode;
  level?: 2 | 3;
  children: ReactNode;
}) {
  const Heading = level === 2 ? 'h2' : 'h3';
  return (
    <section aria-labelledby={id}>
      <Heading id={id}>{title}</Heading>
      {children}
    </section>
  );
}
