"""The DSI GridWorld: MiniGrid's key corridor with absolute moves and a partial egocentric view.

Layout (the paper's GridWorld): ``KeyCorridorEnv(num_rows=3, room_size=6, obj_type="ball")``,
16x16 cells; the middle column is one corridor; a random right room holds a locked door and the
ball (goal); the key of the door's colour lies in a random left room; the other rooms connect to
the corridor through closed, unlocked doors. The agent sees a 7x7 egocentric view rendered at 4
pixels per tile: (28, 28, 3) uint8 frames.

Actions (the original code's convention): 0 = up, 1 = left, 2 = down, 3 = right: set the heading,
open the door in front if it is closed (a locked one only with its key), move forward. Action 4
is the original's ``pickup_key``: ``pickup`` facing each of MiniGrid's headings 0..3 in turn (so
the agent ends facing up). The goal is reached by moving into the ball (the agent, carrying the
key, faces it; reward as MiniGrid's).

Episodes follow the original ``Dataset/data_generation.py`` (docs/fidelity/dsi.md): every path
segment (start -> key, key -> ball, and GridWorld-M's key -> random door -> ball) records one frame
before its first move and one after each move, and ends with a move *into* its target object (a
failed forward move for the key and the ball, which records one more frame and label); the pickup
itself records no frame. Each segment starts as the original's does after its path search: all
doors closed (the locked door unlocked once the key is carried) and the agent facing right
(MiniGrid heading 0). The planner is a breadth-first search over cells (the original searched by
calling ``env.step`` recursively, ~3 s per episode; BFS yields the same shortest paths, and the
same frames, in ~10 ms). Ground truth: a frame is critical when the agent stands in a doorway
(the original ``test.py``).
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
        elif action == PICKUP:  # the original's pickup_key: try pickup facing 0, 1, 2, 3
            reward, terminated, truncated, info = 0.0, False, False, {}
            for heading in range(4):
                self.agent_dir = heading
                _, r, term, trunc, info = base.step(self, self.actions.pickup)
                reward, terminated, truncated = reward + r, terminated or term, truncated or trunc
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
    """Runs moves on the env and records frames, positions, per-move labels and segments, as the
    original's ``step_with_trajectory`` does (one list of per-move labels per segment)."""

    def __init__(self, env: GridWorldEnv, start_segment: bool = True):
        self.env = env
        self.frames: List[np.ndarray] = []
        self.positions: List[Tuple[int, int]] = []
        self.move_labels: List[List[int]] = []  # per segment: 1 if the agent stood in a doorway
        self.segment_starts: List[int] = []
        self.reached_goal = False
        if start_segment:
            self.start_segment()

    def pos(self) -> Tuple[int, int]:
        return tuple(int(v) for v in self.env.agent_pos)

    def on_door(self) -> int:
        return int(isinstance(self.env.grid.get(*self.pos()), Door))

    def close_doors(self, unlock_with_key: bool = False) -> None:
        """The original's ``close_all_doors``; with ``unlock_with_key`` the door of the carried
        key's colour is unlocked first (the original's path search, run while carrying the key,
        toggles it open as a side effect)."""
        carrying = self.env.carrying
        for i in range(self.env.width):
            for j in range(self.env.height):
                cell = self.env.grid.get(i, j)
                if isinstance(cell, Door):
                    if (unlock_with_key and isinstance(carrying, Key)
                            and cell.color == carrying.color):
                        cell.is_locked = False
                    cell.is_open = False

    def start_segment(self) -> None:
        """A new path segment as the original starts one after its path search: all doors
        closed (the locked one unlocked if the agent carries its key), the agent facing right
        (heading 0, the search's last move), one frame."""
        self.close_doors(unlock_with_key=True)
        self.env.agent_dir = 0
        self.segment_starts.append(len(self.frames))
        self.move_labels.append([])
        self.frames.append(self.env.frame())
        self.positions.append(self.pos())

    def move(self, action: int) -> None:
        if self.move_labels:
            self.move_labels[-1].append(self.on_door())
        frame, _, terminated, _, info = self.env.step(action)
        self.reached_goal = self.reached_goal or terminated
        self.frames.append(frame)
        self.positions.append(info["agent_pos"])

    def moves(self, actions: Sequence[int]) -> None:
        for a in actions:
            self.move(a)

    def bump(self, target: Tuple[int, int]) -> None:
        """Move into the adjacent ``target`` (key or ball): a failed forward move for the key."""
        ax, ay = self.pos()
        self.move(next(m for m, v in MOVE_VEC.items() if v == (target[0] - ax, target[1] - ay)))

    def pickup(self) -> None:
        """Pick up the adjacent key; no frame (the original records none for the pickup)."""
        self.env.step(PICKUP)
        if self.env.carrying is None:
            raise RuntimeError("pickup failed: no key next to the agent")
        self.close_doors()  # the original closes all doors after the pickup

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
                "positions": np.array(self.positions, dtype=np.int64).reshape(-1, 2),
                "reached_goal": self.reached_goal}


def _go_pick_key(rec: Recorder, objs: Dict[str, object]) -> None:
    """Shortest path next to the key, a move into it, the pickup."""
    env = rec.env
    targets = _free_neighbours(env, objs["key"]) + [p for p in neighbours(objs["key"])
                                                    if isinstance(env.grid.get(*p), Door)]
    rec.moves(bfs_path(env, rec.pos(), targets))
    rec.bump(objs["key"])
    rec.pickup()


def _ball_approach(env: GridWorldEnv, objs: Dict[str, object]) -> List[Tuple[int, int]]:
    targets = _free_neighbours(env, objs["ball"]) + [objs["locked_door"]]
    return [t for t in targets if t in set(neighbours(objs["ball"]))]


def positive_episode(env: GridWorldEnv, seed: int, detour: bool = False,
                     rng: Optional[np.random.Generator] = None) -> Dict[str, object]:
    """Expert (the original's ``collect_positive_data``): shortest path to the key ending with a
    move into it, pickup; a new segment: shortest path to the ball (opening the locked door)
    ending with a move into it. ``detour`` (GridWorld-M's ``policy_new``,
    ``collect_positive_new_policy_data``) inserts a segment to a random door (any door, the
    locked one included) between key and ball."""
    env.reset(seed=seed)
    rec = Recorder(env)
    objs = find_objects(env)
    _go_pick_key(rec, objs)
    color = objs["key_color"]
    rec.start_segment()
    if detour:
        rng = rng if rng is not None else np.random.default_rng(seed)
        doors = list(objs["doors"])
        door = doors[int(rng.integers(len(doors)))]
        rec.moves(bfs_path(env, rec.pos(), [door], key_color=color))
        rec.start_segment()
    rec.moves(bfs_path(env, rec.pos(), _ball_approach(env, objs), key_color=color))
    rec.bump(objs["ball"])
    if not rec.reached_goal:
        raise RuntimeError(f"seed {seed}: the expert did not reach the ball")
    return rec.finish("policy_new" if detour else "positive", seed)


def negative_episode(env: GridWorldEnv, seed: int, rng: np.random.Generator,
                     target_length: Optional[int] = None) -> Dict[str, object]:
    """The original's failures (``collect_negative_data``): 85 % 24 random moves, no start frame
    (24 frames); 7.5 % key then 16 random moves (no frame between); 7.5 % key, a new segment
    along the path to the locked door, stepped for as many moves as the path to the ball (the
    original's loop bound), so the agent enters the unlocked doorway and then steps back and
    forth between it and the cell before it, then 8 random moves. With ``target_length`` the
    random tail is sized so the episode has that many frames (length-matched negatives, the
    fixed recipe)."""
    env.reset(seed=seed)
    objs = find_objects(env)
    u = rng.random()
    if u < 0.85:
        rec = Recorder(env, start_segment=False)
        mode, tail = 0, 24
    else:
        rec = Recorder(env)
        _go_pick_key(rec, objs)
        if u < 0.925:
            mode, tail = 1, 16
        else:
            color = objs["key_color"]
            rec.start_segment()
            to_door = bfs_path(env, rec.pos(), [objs["locked_door"]], key_color=color)
            n_ball = len(bfs_path(env, rec.pos(), _ball_approach(env, objs), key_color=color)) + 1
            back = {UP: DOWN, DOWN: UP, LEFT: RIGHT, RIGHT: LEFT}[to_door[-1]]
            extra = n_ball - len(to_door)
            rec.moves(to_door + [back if i % 2 == 0 else to_door[-1] for i in range(extra)])
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
