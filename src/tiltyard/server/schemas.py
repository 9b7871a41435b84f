"""Request and response bodies of the HTTP API: ``XCreate`` comes in, ``XPublic`` goes out."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Username = Field(min_length=3, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$",
                 description="3-40 letters, digits, dot, dash or underscore; stored lower case")
Password = Field(min_length=8, max_length=200, description="at least 8 characters")


class UserCreate(BaseModel):
    username: str = Username
    password: str = Password


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    username: str
    role: Literal["learner", "instructor", "admin"]
    created_at: datetime


class UserRoleUpdate(BaseModel):
    role: Literal["learner", "instructor", "admin"]


class TokenCreate(BaseModel):
    username: str = Field(min_length=1, max_length=40)
    password: str = Field(min_length=1, max_length=200)
    name: str = Field(default="cli", max_length=80, description="a label, e.g. the machine")


class TokenPublic(BaseModel):
    token: str = Field(description="shown once; send as Authorization: Bearer <token>")
    user: UserPublic


class ColumnPublic(BaseModel):
    name: str
    type: str
    description: str
    missing: int
    table: str


class FilePublic(BaseModel):
    path: str
    bytes: int
    sha256: str
    url: str


class BaselinePublic(BaseModel):
    name: str
    description: str
    public_score: float


class ChallengeSummary(BaseModel):
    id: str
    title: str
    kind: str
    summary: str
    difficulty: str
    metric: str
    direction: str


class FormatPublic(BaseModel):
    """One kind of file a challenge grades (suffixes, what it is, what to hand in)."""
    suffixes: list[str]
    label: str
    hint: str
    runs_code: bool


class ChallengePublic(ChallengeSummary):
    formats: list[FormatPublic]
    brief_markdown: str
    columns: list[ColumnPublic]
    files: list[FilePublic]
    baselines: list[BaselinePublic]
    submissions_per_day: int


class SubmissionPublic(BaseModel):
    id: int
    challenge_id: str
    competition_id: int | None
    team_id: int | None
    username: str
    filename: str
    sha256: str
    size_bytes: int
    status: str = Field(description="received (waiting for the grader), graded or rejected")
    submitted_at: datetime
    graded_at: datetime | None
    public_score: float | None
    final: bool
    error_code: str | None
    error_message: str | None
    final_changes_left: int | None = Field(default=None, description="practice, after a final "
                                           "choice: changes of final still allowed on this "
                                           "challenge")


class FinalChoice(BaseModel):
    submission_id: int = Field(ge=1)


class ClassCreate(BaseModel):
    name: str = Field(min_length=1, max_length=120)


class ClassJoin(BaseModel):
    join_code: str = Field(min_length=4, max_length=20)


class CompetitionCreate(BaseModel):
    challenge_id: str = Field(min_length=1, max_length=120)
    title: str | None = Field(default=None, max_length=200)
    opens_at: datetime
    closes_at: datetime
    submissions_per_day: int | None = Field(default=None, ge=1, le=10_000,
                                            description="default: the challenge's budget")
    max_team_size: int = Field(default=1, ge=1, le=20)


class CompetitionPublic(BaseModel):
    id: int
    class_id: int
    challenge_id: str
    title: str
    slug: str = Field(description="the title in lower case with dashes, e.g. for "
                      "`tiltyard submit --competition SLUG`")
    opens_at: datetime
    closes_at: datetime
    submissions_per_day: int
    max_team_size: int
    state: Literal["upcoming", "open", "closed"]


class AllowancePublic(BaseModel):
    limit: int = Field(description="submissions a day (UTC)")
    used_today: int
    left_today: int
    resets_at: datetime
    resets_in: str = Field(description="e.g. '14 h 22 min'")
    counted: str = Field(description="what uses a daily submission")


class CompetitionEntered(CompetitionPublic):
    """A competition as one of its learners sees it: the class and today's allowance."""
    class_name: str
    allowance: AllowancePublic | None = Field(description="while it is open")


class ClassPublic(BaseModel):
    id: int
    name: str
    instructor: str
    join_code: str | None = Field(description="only shown to its instructor and the admin")
    members: int
    competitions: list[CompetitionPublic]


class TeamCreate(BaseModel):
    name: str = Field(min_length=1, max_length=80)


class TeamPublic(BaseModel):
    id: int
    competition_id: int
    name: str
    members: list[str]


class LeaderboardRowPublic(BaseModel):
    rank: int
    who: str
    baseline: bool
    score: float
    public_score: float
    private_score: float | None
    submission_id: int | None
    submissions: int = Field(description="scored submissions (rejected files are not counted)")
    final_changes: int = Field(default=0, description="practice: times this learner changed "
                               "their final (each change reveals one more private score)")
    final: bool
    submitted_at: datetime | None
    bundle_hash: str = Field(default="", description="the bundle this score was graded on "
                             "(`tiltyard regrade` moves scores to a new one)")


class LeaderboardPublic(BaseModel):
    challenge_id: str
    competition_id: int | None
    title: str
    metric: str
    direction: Literal["maximize", "minimize"]
    scoring: Literal["public", "private"]
    rows: list[LeaderboardRowPublic]


class StandingPublic(BaseModel):
    username: str
    submissions: int = Field(description="scored submissions, as counted on the leaderboard")
    rejected: int = Field(description="files rejected with a reason (they use no daily "
                          "submission)")
    best_public: float | None
    final_public: float | None
    final_private: float | None
    chose_final: bool


class CompetitionDashboard(BaseModel):
    competition: CompetitionPublic
    metric: str
    standings: list[StandingPublic]
    submissions_per_day: dict[str, int]


class ClassDashboard(BaseModel):
    class_id: int
    name: str
    competitions: list[CompetitionDashboard]


class RegradeCreate(BaseModel):
    challenge_id: str = Field(max_length=120, description="the challenge whose submissions are graded again")
    to: str | None = Field(default=None, max_length=120,
                           description="the bundle to grade on (default: the newest -vN of the same name)")



class CheckPublic(BaseModel):
    id: str = Field(description="the check's stable id, as `tiltyard check` prints it")
    name: str
    passed: bool
    detail: str


class BundleUploadPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    class_id: int
    challenge_id: str = Field(description="empty when the manifest could not be read")
    bundle_hash: str = Field(description="set once every check passed and the bundle was kept")
    passed: bool = Field(description="only a bundle that passed can be used by a competition")
    checks: list[CheckPublic]
    created_at: datetime
