"""The DSI GridWorld: MiniGrid's key corridor with absolute moves and a partial egocentric view.

Layout (paper §GridWorld, brief §3.1): ``KeyCorridorEnv(num_rows=3, room_size=6, obj_type="ball")``,
16x16 cells; the middle column is one corridor; a random right room holds a locked door and the
ball (goal); the key of the door's colour lies in a random left room; the other rooms connect to
the corridor through closed, unlocked doors. The agent sees a 7x7 egocentric view rendered at 4
pixels per tile: (28, 28, 3) uint8 frames.

Actions (the original code's convention): 0 = up, 1 = left, 2 = down, 3 = right: set the heading,
open the door in front if it is closed (a locked one only with its key), move forward. Action 4
picks up an adjacent key (the original tries ``pickup`` in the four directions). The goal is
reached by moving into the ball (the agent, carrying the key, faces it; reward as MiniGrid's).

Episodes are made by a breadth-first planner over cells (the original searched by calling
``env.step`` recursively, ~3 s per episode; BFS yields the same shortest paths in ~10 ms).
Ground truth: a frame is critical when the agent stands in a doorway (the original ``test.py``).
"""
from __future__ import annotations

from collections import deque
from typing import Dict, List, Optional, Sequence, Tuple

import gymnasium as gym
import numpy as np
from minigrid.core.world_object import Ball, Door, Key
from minigrid.envs.keycorridor import KeyCorridorEnv

ENV_ID = "DSIGridWorld-v0"
UP, LEFT, DOWN, RIGHT, PICKUP = 0, 1, 2, 3, 4
# minigrid headings: 0 = +x (right), 1 = +y (down), 2 = -x (left), 3 = -y (up)
MOVE_TO_DIR = {UP: 3, LEFT: 2, DOWN: 1, RIGHT: 0}
DIR_VEC = {0: (1, 0), 1: (0, 1), 2: (-1, 0), 3: (0, -1)}
MOVE_VEC = {m: DIR_VEC[d] for m, d in MOVE_TO_DIR.items()}
# the original's huge step limit (minigrid asserts an int)
MAX_STEPS = 10 ** 9
KINDS = ("positive", "negative", "policy_new")


class GridWorldEnv(KeyCorridorEnv):
    """Key corridor with absolute moves; observations are the agent's (28, 28, 3) view."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 5}

    def __init__(self, num_rows: int = 3, room_size: int = 6, tile_size: int = 4,
                 render_mode: Optional[str] = None):
        super().__init__(num_rows=num_rows, room_size=room_size, obj_type="ball",
                         max_steps=MAX_STEPS, render_mode=render_mode)
        self.tile_size = tile_size
        view = self.agent_view_size * tile_size
        self.action_space = gym.spaces.Discrete(5)
        self.observation_space = gym.spaces.Box(0, 255, (view, view, 3), np.uint8)

    def frame(self) -> np.ndarray:
        return self.get_frame(tile_size=self.tile_size, agent_pov=True)

    def reset(self, *, seed: Optional[int] = None, options: Optional[dict] = None):
        super().reset(seed=seed, options=options)
        return self.frame(), {"agent_pos": tuple(int(v) for v in self.agent_pos)}

    def step(self, action: int):
        action = int(action)
        base = KeyCorridorEnv
        if action in MOVE_TO_DIR:
            self.agent_dir = MOVE_TO_DIR[action]
            fx, fy = (int(v) for v in self.front_pos)
            cell = self.grid.get(fx, fy)
            if isinstance(cell, Door) and not cell.is_open:
                cell.toggle(self, (fx, fy))
            _, reward, terminated, truncated, info = base.step(self, self.actions.forward)
            if cell is self.obj:  # walking into the ball: the goal is reached
                reward, terminated = self._reward(), True
        elif action == PICKUP:
            reward, terminated, truncated, info = 0.0, False, False, {}
            ax, ay = (int(v) for v in self.agent_pos)
            for move in (UP, LEFT, DOWN, RIGHT):
                dx, dy = MOVE_VEC[move]
                cell = self.grid.get(ax + dx, ay + dy)
                if isinstance(cell, Key) and self.carrying is None:
                    self.agent_dir = MOVE_TO_DIR[move]
                    _, reward, terminated, truncated, info = base.step(self, self.actions.pickup)
                    break
        else:
            raise ValueError(f"action must be in 0..4, got {action}")
        info = dict(info)
        info["agent_pos"] = tuple(int(v) for v in self.agent_pos)
        return self.frame(), float(reward), bool(terminated), bool(truncated), info


def register() -> None:
    if ENV_ID not in gym.registry:
        gym.register(ENV_ID, entry_point="scripts.dsi.gridworld:GridWorldEnv")


register()


# ---------------------------------------------------------------- planning over cells

def passable(env: GridWorldEnv, pos: Tuple[int, int], has_key_for: Optional[str]) -> bool:
    cell = env.grid.get(*pos)
    if cell is None:
        return True
    if isinstance(cell, Door):
        return (not cell.is_locked) or (has_key_for is not None and cell.color == has_key_for)
    return cell.can_overlap()


def bfs_path(env: GridWorldEnv, start: Tuple[int, int], goals: Sequence[Tuple[int, int]],
             key_color: Optional[str] = None) -> List[int]:
    """Shortest list of moves from ``start`` to any cell in ``goals`` (moves 0..3, fixed order)."""
    goals = set(goals)
    if start in goals:
        return []
    prev: Dict[Tuple[int, int], Tuple[Tuple[int, int], int]] = {start: (start, -1)}
    queue = deque([start])
    while queue:
        cur = queue.popleft()
        for move in (UP, LEFT, DOWN, RIGHT):
            dx, dy = MOVE_VEC[move]
            nxt = (cur[0] + dx, cur[1] + dy)
            if nxt in prev or not (0 <= nxt[0] < env.width and 0 <= nxt[1] < env.height):
                continue
            if not passable(env, nxt, key_color):
                continue
            prev[nxt] = (cur, move)
            if nxt in goals:
                moves = []
                node = nxt
                while node != start:
                    node, move_taken = prev[node]
                    moves.append(move_taken)
                return moves[::-1]
            queue.append(nxt)
    raise RuntimeError(f"no path from {start} to {sorted(goals)}")


def neighbours(pos: Tuple[int, int]) -> List[Tuple[int, int]]:
    return [(pos[0] + dx, pos[1] + dy) for dx, dy in MOVE_VEC.values()]


def find_objects(env: GridWorldEnv) -> Dict[str, object]:
    out: Dict[str, object] = {"doors": []}
    for i in range(env.width):
        for j in range(env.height):
            cell = env.grid.get(i, j)
            if isinstance(cell, Key):
                out["key"] = (i, j)
                out["key_color"] = cell.color
            elif isinstance(cell, Ball):
                out["ball"] = (i, j)
            elif isinstance(cell, Door):
                out["doors"].append((i, j))
                if cell.is_locked:
                    out["locked_door"] = (i, j)
    return out


def _free_neighbours(env: GridWorldEnv, pos: Tuple[int, int]) -> List[Tuple[int, int]]:
    return [p for p in neighbours(pos) if env.grid.get(*p) is None]


# ---------------------------------------------------------------- recording an episode

class Recorder:
    """Runs moves on the env and records frames, positions, per-move labels and segments."""

    def __init__(self, env: GridWorldEnv, first_frame: np.ndarray):
        self.env = env
        self.frames: List[np.ndarray] = [first_frame]
        self.positions: List[Tuple[int, int]] = [tuple(int(v) for v in env.agent_pos)]
        self.move_labels: List[List[int]] = [[]]  # per segment: 1 if the agent stood in a doorway
        self.segment_starts: List[int] = [0]
        self.reached_goal = False

    def on_door(self) -> int:
        return int(isinstance(self.env.grid.get(*self.positions[-1]), Door))

    def move(self, action: int) -> None:
        self.move_labels[-1].append(self.on_door())
        frame, _, terminated, _, info = self.env.step(action)
        self.reached_goal = self.reached_goal or terminated
        self.frames.append(frame)
        self.positions.append(info["agent_pos"])

    def moves(self, actions: Sequence[int]) -> None:
        for a in actions:
            self.move(a)

    def pickup(self) -> None:
        """Pick up the adjacent key; the frame after it starts a new segment (as the original)."""
        frame, _, _, _, info = self.env.step(PICKUP)
        if self.env.carrying is None:
            raise RuntimeError("pickup failed: no key next to the agent")
        self.frames.append(frame)
        self.positions.append(info["agent_pos"])
        self.segment_starts.append(len(self.frames) - 1)
        self.move_labels.append([])

    def finish(self, kind: str, seed: int) -> Dict[str, object]:
        frames = np.stack(self.frames).astype(np.uint8)
        T = len(frames)
        # aligned labels: frame t is critical when the agent stands in a doorway in it
        aligned = np.array([int(isinstance(self.env.grid.get(*p), Door)) for p in self.positions],
                           dtype=np.uint8)
        official = np.array([lab for seg in self.move_labels for lab in seg], dtype=np.uint8)
        return {"frames": frames, "kind": kind, "seed": seed, "length": T,
                "labels": aligned, "official_labels": official,
                "segment_starts": np.array(self.segment_starts, dtype=np.int64),
                "reached_goal": self.reached_goal}


def _go_pick_key(rec: Recorder, objs: Dict[str, object]) -> None:
    env = rec.env
    targets = _free_neighbours(env, objs["key"]) + [p for p in neighbours(objs["key"])
                                                    if isinstance(env.grid.get(*p), Door)]
    rec.moves(bfs_path(env, rec.positions[-1], targets))
    rec.pickup()


def positive_episode(env: GridWorldEnv, seed: int, detour: bool = False,
                     rng: Optional[np.random.Generator] = None) -> Dict[str, object]:
    """Expert: shortest path next to the key, pick it up, shortest path next to the ball
    (opening the locked door), face the ball. ``detour`` (GridWorld-M's ``policy_new``) visits
    a random door between key and ball."""
    frame, _ = env.reset(seed=seed)
    rec = Recorder(env, frame)
    objs = find_objects(env)
    _go_pick_key(rec, objs)
    color = objs["key_color"]
    if detour:
        rng = rng if rng is not None else np.random.default_rng(seed)
        doors = [d for d in objs["doors"] if d != objs["locked_door"]]
        door = doors[int(rng.integers(len(doors)))]
        rec.moves(bfs_path(env, rec.positions[-1], [door], key_color=color))
    targets = _free_neighbours(env, objs["ball"]) + [objs["locked_door"]]
    targets = [t for t in targets if t in set(neighbours(objs["ball"]))]
    rec.moves(bfs_path(env, rec.positions[-1], targets, key_color=color))
    bx, by = objs["ball"]
    ax, ay = rec.positions[-1]
    rec.move(next(m for m, v in MOVE_VEC.items() if v == (bx - ax, by - ay)))  # face the ball
    if not rec.reached_goal:
        raise RuntimeError(f"seed {seed}: the expert did not reach the ball")
    return rec.finish("policy_new" if detour else "positive", seed)


def negative_episode(env: GridWorldEnv, seed: int, rng: np.random.Generator,
                     target_length: Optional[int] = None) -> Dict[str, object]:
    """The original's failures: 85 % 24 random moves; 7.5 % key then 16 random moves; 7.5 % key,
    path toward the locked door, 8 random moves. With ``target_length`` the random tail is sized
    so the episode has that many frames (length-matched negatives, the fixed recipe)."""
    frame, _ = env.reset(seed=seed)
    rec = Recorder(env, frame)
    objs = find_objects(env)
    u = rng.random()
    if u < 0.85:
        mode, tail = 0, 24
    elif u < 0.925:
        _go_pick_key(rec, objs)
        mode, tail = 1, 16
    else:
        _go_pick_key(rec, objs)
        path = bfs_path(env, rec.positions[-1], [objs["locked_door"]], key_color=objs["key_color"])
        rec.moves(path[:-1])  # up to the locked door, not through it
        mode, tail = 2, 8
    if target_length is not None:
        tail = max(1, target_length - len(rec.frames))
    for _ in range(tail):
        rec.move(int(rng.integers(4)))
    ep = rec.finish("negative", seed)
    ep["negative_mode"] = mode
    return ep


def make_env() -> GridWorldEnv:
    return gym.make(ENV_ID).unwrapped
