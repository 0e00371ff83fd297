import { useEffect, useRef, useState } from 'react';

/**
 * The text of a field that shows its default as a value, not as a grey placeholder that looks empty. While
 * the person edits, an emptied field stays empty (refilling it under the cursor would fight the typing); a
 * value that changes from elsewhere (undo, another person, another node) shows, or the default when unset.
 * `edit(text, sent)` records the text typed and the value it sent to the config (undefined: removed).
 */
export function useFieldText(value: string | undefined, fallback: string): [string, (text: string, sent: string | undefined) => void] {
  const [text, setText] = useState(value ?? fallback);
  const sent = useRef<{ value: string | undefined } | null>(null);
  useEffect(() => {
    if (sent.current && sent.current.value === value) return;
    sent.current = null;
    setText(value ?? fallback);
  }, [value, fallback]);
  return [text, (typed, value) => {
    sent.current = { value };
    setText(typed);
  }];
}
