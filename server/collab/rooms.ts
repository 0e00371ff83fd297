import { CollabRoom, type CollabConnection, type RoomDeps } from './room.js';

/** The open rooms of one server: a room opens with its first tab and closes (compacted) with its last. */
export class CollabRooms {
  private readonly rooms = new Map<string, CollabRoom>();

  constructor(private readonly deps: RoomDeps) {}

  /** Undefined when the flow does not exist. */
  join(flowId: string, conn: CollabConnection): CollabRoom | undefined {
    let room = this.rooms.get(flowId);
    if (!room) {
      room = CollabRoom.open(flowId, this.deps);
      if (!room) return undefined;
      this.rooms.set(flowId, room);
    }
    room.join(conn);
    return room;
  }

  leave(room: CollabRoom, conn: CollabConnection): void {
    room.leave(conn);
    if (room.size > 0 || this.rooms.get(room.flowId) !== room) return;
    this.rooms.delete(room.flowId);
    this.closeRoom(room);
  }

  closeAll(): void {
    for (const room of this.rooms.values()) this.closeRoom(room);
    this.rooms.clear();
  }

  private closeRoom(room: CollabRoom): void {
    try {
      room.close();
    } catch (err) {
      this.deps.onError(err, `closing the collaboration room of flow "${room.flowId}"`);
    }
  }
}
