"""Build the ``insecticide-design-v1`` bundle, deterministically from its seed.

public/   fragments.csv, library.csv, known_molecules.csv, priors.csv
sealed/   parameters.json, populations.npz (the drawn world), baselines/*.smi
starter/  insecticide-design.ipynb
brief.md  the story, the parts and their priors, how to read a result row (worked in the
          textbook world), the budget, the score
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import nbformat
import pandas as pd

from tiltyard.challenges.bundle import Bundle, staging_folder, write_bundle, write_csv
from tiltyard.challenges.instance import SECRET, Instance
from tiltyard.challenges.manifest import BASELINE_DECIMALS, BaselineEntry, Budget, Manifest, MetricSpec, Provenance
from tiltyard.kinds.lab.insecticide import baselines, chemistry, fragments, parameters, scoring
from tiltyard.kinds.lab.insecticide.grading import MAX_DESIGNS, PRIMARY_METRIC, SIMILARITY_NOTE_THRESHOLD
from tiltyard.kinds.lab.insecticide.known import NEONICOTINOIDS, NICOTINE
from tiltyard.kinds.lab.insecticide.lab import textbook_world
from tiltyard.kinds.lab.insecticide.reading import reading_page
from tiltyard.kinds.lab.insecticide.simulation import World

CHALLENGE_ID = "insecticide-design-v1"
TITLE = "Insecticide design: kill the aphid, spare the bee"
SEED = 20260601
EXPERIMENT_BUDGET = 2_000
NOTEBOOK = "insecticide-design.ipynb"


def render_brief(ladder: list[baselines.Baseline]) -> str:
    priors = parameters.priors_table()
    sections = []
    for part in parameters.PARTS[1:]:
        table = priors[priors["part"] == part][["name", "prior", "unit", "meaning"]]
        sections.append(f"### {part}\n\n" + _markdown_table(table))
    rungs = "\n".join(f"| {b.name} | {b.score:.3f} | {b.description} |" for b in ladder)
    return f"""# {TITLE}

Aphids suck the sap of crops and carry their viruses. A molecule that kills them would save a
harvest, but a field is not a test tube: honeybees forage on the same plants, and mammals
(the farmer, the dog, the field mouse) may swallow what was sprayed. Nicotine, the oldest
insecticide, kills mammals as readily as insects. The neonicotinoids were designed to hit the
insect's nicotinic receptor and spare ours, and they do, yet some of them kill bees and
persist in soil for years.

Your job: **propose up to {MAX_DESIGNS} molecules that kill aphids while sparing honeybees and
mammals**, within the constraints below. Real experiments are slow, costly and dangerous; this
lab is a simulation you can fire molecules at, {EXPERIMENT_BUDGET:,} of them in all. You may
reason from chemistry and biology, or fire many molecules and learn from what comes back.

## The simulation, part by part

A molecule (a SMILES string) goes through these parts, all readable with
`tiltyard lab inspect {CHALLENGE_ID} PART` (or `lab.inspect("PART")` in Python), which prints
the equations, the priors and the code, and can run that part alone on molecules you choose
(with the priors' centres, free of charge):

1. **chemistry**: RDKit reads the molecule, or says precisely why not; descriptors (logP,
   TPSA, weight, H-bond donors and acceptors, rotatable bonds, aromatic rings, charge) and
   pharmacophores (basic amine as in nicotine; electronegative tip: nitroguanidine,
   nitromethylene, cyanoimine as in the neonicotinoids; pyridine-like ring nitrogen, ...).
   Limits: {chemistry.LIMITS_TEXT}.
2. **ionisation**: how much of it is charged at each species' body pH.
3. **uptake**: aphids drink phloem (the molecule must move in the plant), bees meet it in
   nectar and on their cuticle, mammals swallow it.
4. **distribution**: the insect nervous system hides behind an ion-tight sheath; the mammalian
   brain behind the blood-brain barrier; proteins soak up greasy molecules.
5. **metabolism**: enzymes clear the molecule; their expression varies by population, and
   some aphid populations are resistant.
6. **binding**: affinity and efficacy at insect and mammalian nicotinic receptors.
7. **network**: for each species, 500 populations, each a network of 1,000 model neurons;
   some carry a quirk (a heart that loses its rhythm when a dopaminergic pathway is
   overstimulated). Outcomes: mortality, paralysis, arrhythmia.
8. **persistence**: half-life in soil.

Each lab instance draws about {len(parameters.PRIORS)} parameters from the priors below; the drawn values
are sealed. Only experiments reveal them.

## What a query returns

One row per molecule: whether it is valid (and RDKit's diagnosis if not), its descriptors and
pharmacophores, then for aphid, bee and mammal the share of individuals killed
(`*_mortality`), paralysed (`*_paralysis`) and with arrhythmia (`*_arrhythmia`) at field
exposure, the soil half-life (`persistence_days`), and the score. The assay is noise-free:
asking again for a molecule already measured returns the stored row, free.

{reading_page(textbook_world(), CHALLENGE_ID)}
## Budget

{EXPERIMENT_BUDGET:,} molecules. A molecule is charged once, the first time it is measured; invalid
molecules cost nothing. Every query is stored; `tiltyard lab export {CHALLENGE_ID}` gives them
all back as a table (or Parquet), ready for a surrogate model.

## Score and constraints

{scoring.SCORE_TEXT}. Submit a text file `designs.smi` with at most {MAX_DESIGNS} SMILES, one per
line: `tiltyard submit {CHALLENGE_ID} designs.smi`. Your score is your best design's score.
A design within Morgan-fingerprint Tanimoto {SIMILARITY_NOTE_THRESHOLD} of a marketed
neonicotinoid earns a note naming it: rediscovering a known molecule is fine, but say so.
A plot of your exploration (score against logP, coloured by pharmacophore) is saved beside
the report.

## Baseline ladder

| baseline | score | what it is |
|---|---|---|
{rungs}

## Start

`tiltyard start {CHALLENGE_ID}` makes a workspace: this brief, `{NOTEBOOK}` and `data/`
(the bundle's `public/`). The notebook queries a first batch from the fragment library
(`data/library.csv`), plots what came back, fits a surrogate and proposes the next batch.
`data/fragments.csv` lists the building blocks (`tiltyard.kinds.lab.insecticide.fragments.assemble`
puts them together); `data/known_molecules.csv` gives nicotine and the six neonicotinoids;
`data/priors.csv` the priors below.

## Priors

{chr(10).join(sections)}
"""


def _markdown_table(frame: pd.DataFrame) -> str:
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join(str(v).replace("|", "/") for v in row) + " |"
            for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def starter_notebook() -> nbformat.NotebookNode:
    cells = [
        nbformat.v4.new_markdown_cell(
            f"# {TITLE}\n\nRead `README.md` (the brief) first. This notebook goes from a first batch to a "
            "graded design. Every query counts against your budget of "
            f"{EXPERIMENT_BUDGET:,} molecules; every query is stored."),
        nbformat.v4.new_code_cell(
            "import pandas as pd\n"
            "import tiltyard\n\n"
            f"lab = tiltyard.load({CHALLENGE_ID!r})  # a lab's learner handle\nlab"),
        nbformat.v4.new_markdown_cell("## Read a part of the simulation\n\n`lab.inspect()` lists "
                                      "the parts; `lab.inspect('binding')` shows one; `.run([...])` "
                                      "runs it alone, free, with the priors' centres."),
        nbformat.v4.new_code_cell("print(lab.inspect())\n"
                                  "lab.inspect('binding').run(['CN1CCC[C@H]1c1cccnc1'])"),
        nbformat.v4.new_markdown_cell("## A first batch: landmarks and a random sample of the library"),
        nbformat.v4.new_code_cell(
            "library = pd.read_csv('data/library.csv')\n"
            "known = pd.read_csv('data/known_molecules.csv')\n"
            "first = known['smiles'].tolist() + library.sample(150, random_state=0)['smiles'].tolist()\n"
            "results = lab.query(first)\n"
            "results[['smiles', 'aphid_mortality', 'bee_mortality', 'mammal_mortality', "
            "'persistence_days', 'selectivity_score']].sort_values('selectivity_score').tail(10)"),
        nbformat.v4.new_code_cell(
            "import matplotlib.pyplot as plt\n"
            "data = lab.export().query('valid')\n"
            "fig, ax = plt.subplots()\n"
            "for tip, group in data.groupby(data['electronegative_tip'].astype(bool)):\n"
            "    ax.scatter(group['logp'], group['selectivity_score'], s=10, "
            "label='electronegative tip' if tip else 'no tip')\n"
            "ax.set_xlabel('logP'); ax.set_ylabel('selectivity score'); ax.legend()"),
        nbformat.v4.new_markdown_cell("## A surrogate model chooses the next batch\n\nFit on "
                                      "everything measured so far; score the unmeasured library; "
                                      "measure the most promising. Try your own features and "
                                      "your own molecules: the library is only a start."),
        nbformat.v4.new_code_cell(
            "from sklearn.ensemble import RandomForestRegressor\n"
            "features = ['logp', 'tpsa', 'molecular_weight', 'hbond_donors', 'hbond_acceptors',\n"
            "            'rotatable_bonds', 'aromatic_rings', 'formal_charge', 'heavy_atoms',\n"
            "            'basic_amine', 'electronegative_tip', 'cyanoimine', 'nitroguanidine',\n"
            "            'heteroaromatic_acceptor', 'halogenated_heteroaryl']\n"
            "data = lab.export().query('valid').drop_duplicates('canonical_smiles')\n"
            "model = RandomForestRegressor(200, random_state=0).fit(data[features].astype(float), "
            "data['graded_score'])\n"
            "candidates = lab.inspect('chemistry').run(library['smiles'])\n"
            "candidates = candidates[~candidates['canonical_smiles'].isin(data['canonical_smiles'])]\n"
            "candidates['predicted'] = model.predict(candidates[features].astype(float))\n"
            "next_batch = candidates.nlargest(100, 'predicted')['smiles'].tolist()\n"
            "# graded_score is what a design counts (0 when it breaks a constraint)\n"
            "lab.query(next_batch)[['smiles', 'selectivity_score', 'graded_score', "
            "'constraint_broken']].nlargest(5, 'graded_score')"),
        nbformat.v4.new_markdown_cell("## Submit up to five designs"),
        nbformat.v4.new_code_cell(
            "best = lab.export().query('valid').nlargest(5, 'graded_score')\n"
            "with open('designs.smi', 'w') as handle:\n"
            "    handle.write('\\n'.join(best['canonical_smiles']) + '\\n')\n"
            f"!tiltyard submit {CHALLENGE_ID} designs.smi"),
    ]
    for number, cell in enumerate(cells):
        cell["id"] = f"cell-{number}"  # nbformat draws random ids; fixed ones keep the bundle hash stable
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    return notebook


class InsecticideBuilder:
    """The catalog's handle: ``BUILDER.build(catalog_dir)`` writes the bundle."""

    id = CHALLENGE_ID
    title = TITLE
    kind = "lab"

    def __init__(self, seed: int = SEED, budget: int = EXPERIMENT_BUDGET):
        self.seed = seed
        self.budget = budget

    def world_seed(self, instance: Instance | None) -> int:
        """The practice instance's world is the spec's seed's; any other instance's is drawn
        from (spec seed, instance seed), so its sealed parameters are not the practice ones."""
        return self.seed if instance is None else instance.integer(self.seed)

    def build(self, catalog_dir: Path, progress: Callable[[str], None] = lambda _: None,
              instance: Instance | None = None) -> Bundle:
        staging = staging_folder(Path(catalog_dir), CHALLENGE_ID)
        progress("simulating 1,500 populations of 1,000 neurons")
        seed = self.world_seed(instance)
        world = World.from_seed(seed)
        world.save(staging / "sealed")
        progress("assembling the fragment library")
        library = fragments.library()
        write_csv(fragments.fragment_table(), staging / "public" / "fragments.csv")
        write_csv(library, staging / "public" / "library.csv")
        write_csv(pd.DataFrame({"name": ["nicotine", *NEONICOTINOIDS],
                                "smiles": [NICOTINE, *NEONICOTINOIDS.values()]}),
                  staging / "public" / "known_molecules.csv")
        write_csv(parameters.priors_table(), staging / "public" / "priors.csv")
        progress("running the baseline ladder (surrogate search spends the whole budget)")
        ladder = baselines.ladder(world, library, self.budget, seed)
        entries = []
        for rung in ladder:
            relative = f"sealed/baselines/{rung.name.replace(' ', '-')}.smi"
            (staging / relative).parent.mkdir(parents=True, exist_ok=True)
            (staging / relative).write_text("\n".join(rung.designs) + "\n", encoding="utf-8")
            entries.append(BaselineEntry(name=rung.name, description=rung.description,
                                         public_score=round(rung.score, BASELINE_DECIMALS),
                                         private_score=round(rung.score, BASELINE_DECIMALS), predictions=relative))
        (staging / "brief.md").write_text(render_brief(ladder), encoding="utf-8")
        (staging / "starter").mkdir(exist_ok=True)
        nbformat.write(starter_notebook(), str(staging / "starter" / NOTEBOOK))
        manifest = Manifest(
            id=CHALLENGE_ID, title=TITLE, kind="lab", difficulty="intermediate",
            summary="Design up to five molecules that kill aphids and spare honeybees and "
                    "mammals, with a budget of experiments on a readable simulation.",
            builder="tiltyard.kinds.lab.insecticide.bundle:BUILDER",
            provenance=Provenance(source="Tiltyard simulation (RDKit chemistry, documented priors, "
                                         "neuron-network populations)", licence="MIT"),
            metric=MetricSpec(primary=PRIMARY_METRIC),
            budget=Budget(experiments=self.budget),
            baselines=entries, instance=None if instance is None else SECRET,
            section={"simulator": "insecticide", "seed": self.seed, "max_designs": MAX_DESIGNS,
                 "score": scoring.SCORE_TEXT, "parts": list(parameters.PARTS),
                 "parameters": len(parameters.PRIORS)})
        progress("hashing and moving into place")
        return write_bundle(staging, manifest, Path(catalog_dir) / CHALLENGE_ID)


BUILDER = InsecticideBuilder()
