"""``ember.data`` (also ``ember.utils.data``): datasets, samplers, collation and the DataLoader."""

from ember.data.collate import PaddedBatch, default_collate, default_convert, pad_collate
from ember.data.dataloader import DataLoader
from ember.data.dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
from ember.data.sampler import (
    BatchSampler,
    DistributedSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from ember.data.worker import WorkerInfo, get_worker_info

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset", "ChainDataset",
           "random_split", "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler", "DistributedSampler", "DataLoader",
           "default_collate", "default_convert", "pad_collate", "PaddedBatch", "get_worker_info",
           "WorkerInfo", "datasets", "transforms"]

from ember.data import datasets, transforms  # noqa: E402,F401  (subpackages, after the core they use)
