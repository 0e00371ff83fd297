import { useEffect, useRef } from 'react';
import { LiveSocket, liveUrl } from '../live';
import { useEditorStore } from '../store';

/** One socket for the page's life; switching tabs only changes its subscription. */
export function useLiveFeed(): void {
  const socket = useRef<LiveSocket | null>(null);
  const flowId = useEditorStore((s) => s.selectedFlowId);

  useEffect(() => {
    const store = useEditorStore.getState();
    const live = new LiveSocket(liveUrl(window.location), { message: store.receive, state: store.setConnection });
    socket.current = live;
    live.subscribe(useEditorStore.getState().selectedFlowId);
    live.start();
    return () => {
      live.stop();
      socket.current = null;
    };
  }, []);

  useEffect(() => {
    socket.current?.subscribe(flowId);
  }, [flowId]);
}
