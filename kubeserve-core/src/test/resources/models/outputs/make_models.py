# Writes the tiny TorchScript models of issue 12's kind 3 (outputs that are a tuple, a list, a
# dict or nested) and expected.json, their right outputs computed with torch (not by KubeServe).
# Run from here with Debian's python3-torch:  /usr/bin/python3 make_models.py
import json
import torch
from typing import Dict, List, Tuple


class Base(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 3)
        with torch.no_grad():
            self.fc.weight.copy_(torch.tensor([[1., 0, 0, 0], [0, 1., 0, 0], [0, 0, 1., 0]]))
            self.fc.bias.copy_(torch.tensor([0.5, -0.25, 0.0]))


class TupleNet(Base):
    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        p = torch.softmax(self.fc(x), dim=1)
        return p, torch.argmax(p, dim=1)


class ListNet(Base):
    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        p = torch.softmax(self.fc(x), dim=1)
        return [p, torch.argmax(p, dim=1)]


class DictNet(Base):
    def forward(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        p = torch.softmax(self.fc(x), dim=1)
        return {"probs": p, "label": torch.argmax(p, dim=1)}


class NestedNet(Base):
    # a tensor, then a dict: (sum [N] FP64, {"probs", "label"})
    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        p = torch.softmax(self.fc(x), dim=1)
        return x.sum(dim=1).double(), {"probs": p, "label": torch.argmax(p, dim=1)}


class NestedTupleNet(Base):
    # ((probs, label), logits)
    def forward(self, x: torch.Tensor) -> Tuple[Tuple[torch.Tensor, torch.Tensor], torch.Tensor]:
        z = self.fc(x)
        p = torch.softmax(z, dim=1)
        return (p, torch.argmax(p, dim=1)), z


class DictOfDictNet(Base):
    # a dict holding a dict: DJL reads one level of dict only, so KubeServe refuses it at load
    def forward(self, x: torch.Tensor) -> Dict[str, Dict[str, torch.Tensor]]:
        p = torch.softmax(self.fc(x), dim=1)
        return {"out": {"probs": p, "label": torch.argmax(p, dim=1)}}


torch.jit.script(DictOfDictNet().eval()).save("dict_of_dict_net.pt")

x = torch.tensor([[0.1, 2.0, 0.3, 9.0], [3.0, -1.0, 0.5, 0.0]])
expected = {"input": x.tolist()}
for name, cls in [("tuple_net", TupleNet), ("list_net", ListNet), ("dict_net", DictNet),
                  ("nested_net", NestedNet), ("nested_tuple_net", NestedTupleNet)]:
    module = torch.jit.script(cls().eval())
    module.save(name + ".pt")
    with torch.no_grad():
        out = module(x)
    if name == "dict_net":
        expected[name] = {"probs": out["probs"].tolist(), "label": out["label"].tolist()}
    elif name == "nested_net":
        expected[name] = {"sum": out[0].tolist(), "probs": out[1]["probs"].tolist(), "label": out[1]["label"].tolist()}
    elif name == "nested_tuple_net":
        expected[name] = {"probs": out[0][0].tolist(), "label": out[0][1].tolist(), "logits": out[1].tolist()}
    else:
        expected[name] = {"probs": out[0].tolist(), "label": out[1].tolist()}
    # zero rows: the same module on an empty batch
    with torch.no_grad():
        empty = module(torch.zeros(0, 4))
    print(name, "zero rows ok")
# what a server must meet against torch's values: FP32 outputs 1e-6, the FP64 sum 1e-9, labels exact
expected["tolerance"] = {"probs": {"abs": 1e-6}, "logits": {"abs": 1e-6}, "sum": {"abs": 1e-9}, "label": "exact"}
json.dump(expected, open("expected.json", "w"), indent=1)
