"""The flow engine: flows as data, and a pure ``step(flow, state, event) -> (state, actions)``.

Named ``engine`` so it does not clash with the top-level ``flows/`` content folder.
"""

from helpline.engine.actions import Action, End, Enrich, Listen, RequestCallback, Say, Transfer
from helpline.engine.loader import load_flow
from helpline.engine.model import Channel, Flow, Node, NodeType, Priority
from helpline.engine.state import Event, State
from helpline.engine.step import interrupt, step

__all__ = [
    "Action", "Channel", "End", "Enrich", "Event", "Flow", "Listen", "Node", "NodeType", "Priority", "RequestCallback",
    "Say", "State", "Transfer", "interrupt", "load_flow", "step",
]
