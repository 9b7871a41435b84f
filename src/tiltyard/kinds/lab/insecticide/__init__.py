"""The insecticide lab: design a molecule that kills aphids and spares bees and mammals."""

from tiltyard.kinds.lab.insecticide.lab import InsecticideSimulator

SIMULATOR = InsecticideSimulator
