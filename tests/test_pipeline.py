"""datareduce's pipeline: reducers applied when fitting only; imblearn's own pipeline refuses."""

import warnings

import numpy as np
import pytest
import sklearn
from imblearn.pipeline import Pipeline as ImbPipeline
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

import datareduce
from datareduce import (
    Pipeline,
    RandomReducer,
    StratifiedRandomReducer,
    get_reducer,
    make_pipeline,
)


@pytest.fixture
def iris():
    return load_iris(return_X_y=True)


def test_reducer_applied_only_when_fitting(iris):
    X, y = iris
    pipe = make_pipeline(StandardScaler(), RandomReducer(keep=0.2, random_state=0),
                         KNeighborsClassifier(1))
    pipe.fit(X, y)
    assert pipe[-1].n_samples_fit_ == 30  # the model saw the reduced set
    assert pipe.predict(X).shape == (150,)  # prediction is not reduced
    assert isinstance(pipe.named_steps["randomreducer"], RandomReducer)
    assert pipe.named_steps["randomreducer"].sample_indices_.shape == (30,)
    # 1-NN on its own training rows is exact: the kept rows are predicted perfectly
    kept = pipe.named_steps["randomreducer"].sample_indices_
    assert (pipe.predict(X[kept]) == y[kept]).all()


def test_gridsearch_over_keep(iris):
    X, y = iris
    pipe = make_pipeline(get_reducer("srs", random_state=0), LogisticRegression(max_iter=500))
    grid = GridSearchCV(pipe, {"stratifiedrandomreducer__keep": [3, 0.5, 1.0]}, cv=3)
    grid.fit(X, y)
    scores = grid.cv_results_["mean_test_score"]
    assert scores[0] < scores[2]  # 3 rows (one per class) is worse than all rows
    assert grid.best_estimator_.named_steps["stratifiedrandomreducer"].keep in (0.5, 1.0)


def test_cross_val_score_and_clone(iris):
    X, y = iris
    pipe = Pipeline([("reduce", RandomReducer(keep=0.5, random_state=0)),
                     ("model", LogisticRegression(max_iter=500))])
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.8
    c = clone(pipe)
    assert c.get_params()["reduce__keep"] == 0.5
    assert "sample_indices_" not in vars(c.named_steps["reduce"])


def test_imblearn_pipeline_refuses_with_clear_error(iris):
    X, y = iris
    pipe = ImbPipeline([("reduce", RandomReducer(keep=0.5)), ("model", LogisticRegression())])
    with pytest.raises(TypeError, match="datareduce.make_pipeline"):
        pipe.fit(X, y)


def test_reducer_as_last_step_resamples(iris):
    X, y = iris
    pipe = make_pipeline(StandardScaler(), RandomReducer(keep=0.1, stratify=True,
                                                         random_state=0))
    Xr, yr = pipe.fit_resample(X, y)
    assert Xr.shape == (15, 4) and np.bincount(yr).tolist() == [5, 5, 5]


# ------------------------------------------------------------ weights reach the model
class Recorder(ClassifierMixin, BaseEstimator):
    """Records the rows and the sample weights its fit received, and the rows predict sees."""

    def fit(self, X, y, sample_weight=None):
        self.fit_rows_ = len(X)
        self.seen_weight_ = None if sample_weight is None else np.array(sample_weight, float)
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        self.predict_rows_ = len(X)
        return np.full(len(X), self.classes_[0])


class TaggedRecorder(Recorder):
    """A Recorder with one hyperparameter, for searches."""

    def __init__(self, tag=0):
        self.tag = tag


class NoWeightRecorder(Recorder):
    def fit(self, X, y):
        return super().fit(X, y)


def test_reducer_weights_reach_the_final_estimator(iris):
    X, y = iris
    pipe = make_pipeline(get_reducer("clc", keep=0.1, random_state=0), Recorder())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # iris has a duplicate row
        pipe.fit(X, y)
    red, rec = pipe[0], pipe[-1]
    assert rec.fit_rows_ == 15
    np.testing.assert_allclose(rec.seen_weight_, red.sample_weight_)
    assert rec.seen_weight_.sum() == pytest.approx(150.0)
    # predict and score see every row and no weights
    assert pipe.predict(X).shape == (150,) and rec.predict_rows_ == 150
    pipe.score(X[:40], y[:40])
    assert rec.predict_rows_ == 40


def test_user_weights_are_sliced_and_multiplied(iris):
    X, y = iris
    w = np.arange(1.0, 151.0)
    pipe = make_pipeline(RandomReducer(keep=0.2, random_state=3), Recorder())
    pipe.fit(X, y, recorder__sample_weight=w)
    red, rec = pipe[0], pipe[-1]
    np.testing.assert_allclose(rec.seen_weight_, red.sample_weight_ * w[red.sample_indices_])
    # opt out: the user's weights are still sliced, the reducer's are not applied
    pipe = make_pipeline(RandomReducer(keep=0.2, random_state=3), Recorder(),
                         pass_sample_weight=False)
    pipe.fit(X, y, recorder__sample_weight=w)
    np.testing.assert_allclose(pipe[-1].seen_weight_, w[pipe[0].sample_indices_])
    pipe.fit(X, y)
    assert pipe[-1].seen_weight_ is None


def test_weights_reach_a_model_inside_a_nested_pipeline(iris):
    # a scikit-learn pipeline as the final step takes "<last>__sample_weight", not a bare
    # sample_weight (which it refuses): tune_halving and any user who nests hit this
    from sklearn.pipeline import Pipeline as SkPipeline

    X, y = iris
    w = np.arange(1.0, 151.0)
    inner = SkPipeline([("sc", StandardScaler()), ("rec", Recorder())])
    pipe = Pipeline([("reduce", RandomReducer(keep=0.2, random_state=3)), ("model", inner)])
    pipe.fit(X, y)
    red, rec = pipe[0], pipe[-1].named_steps["rec"]
    assert rec.fit_rows_ == 30
    np.testing.assert_allclose(rec.seen_weight_, red.sample_weight_)
    pipe.fit(X, y, model__rec__sample_weight=w)  # the user's weights: sliced and multiplied
    np.testing.assert_allclose(rec.seen_weight_, red.sample_weight_ * w[red.sample_indices_])
    # with metadata routing on, a pipeline takes a bare sample_weight and routes it itself
    with sklearn.config_context(enable_metadata_routing=True):
        inner = SkPipeline([("sc", StandardScaler().set_fit_request(sample_weight=False)),
                            ("rec", Recorder().set_fit_request(sample_weight=True))])
        pipe = Pipeline([("reduce", RandomReducer(keep=0.2, random_state=3)),
                         ("model", inner)]).fit(X, y, sample_weight=w)
        red, rec = pipe[0], pipe[-1].named_steps["rec"]
        np.testing.assert_allclose(rec.seen_weight_,
                                   red.sample_weight_ * w[red.sample_indices_])
    # a tree two pipelines down is still a tree: no weights under the "auto" policy
    from sklearn.tree import DecisionTreeClassifier

    from datareduce._core.output import passes_weights

    deep = SkPipeline([("sc", StandardScaler()), ("m", SkPipeline([
        ("sc", StandardScaler()), ("tree", DecisionTreeClassifier())]))])
    assert not passes_weights(deep) and passes_weights(inner)


def test_chained_reducers_compose_rows_and_weights(iris):
    X, y = iris
    w = np.linspace(0.5, 2.0, 150)
    pipe = make_pipeline(RandomReducer(keep=0.5, random_state=0), StandardScaler(),
                         get_reducer("prd", keep=0.2, random_state=0), Recorder())
    pipe.fit(X, y, recorder__sample_weight=w)
    r1, r2, rec = pipe[0], pipe[2], pipe[-1]
    rows = r1.sample_indices_[r2.sample_indices_]
    expected = r1.sample_weight_[r2.sample_indices_] * r2.sample_weight_ * w[rows]
    np.testing.assert_allclose(rec.seen_weight_, expected)
    assert rec.fit_rows_ == len(rows) == 15


def test_estimator_without_sample_weight_is_fitted_unweighted(iris):
    X, y = iris
    pipe = make_pipeline(RandomReducer(keep=0.2, random_state=0), NoWeightRecorder())
    pipe.fit(X, y)
    assert pipe[-1].seen_weight_ is None and pipe[-1].fit_rows_ == 30


def test_weights_change_the_model(iris):
    X, y = iris
    kw = dict(keep=0.1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        a = make_pipeline(get_reducer("prd", **kw), LogisticRegression(max_iter=1000)).fit(X, y)
        b = make_pipeline(get_reducer("prd", **kw), LogisticRegression(max_iter=1000),
                          pass_sample_weight=False).fit(X, y)
        c = make_pipeline(get_reducer("prd", **kw), LogisticRegression(max_iter=1000)).fit(
            X, y, logisticregression__sample_weight=np.full(150, 1.0))
    assert not np.allclose(a[-1].coef_, b[-1].coef_)
    np.testing.assert_allclose(a[-1].coef_, c[-1].coef_)  # unit user weights change nothing


def test_weights_with_metadata_routing(iris):
    X, y = iris
    w = np.arange(1.0, 151.0)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(RandomReducer(keep=0.2, random_state=1),
                             Recorder().set_fit_request(sample_weight=True))
        pipe.fit(X, y, sample_weight=w)
        red, rec = pipe[0], pipe[-1]
        np.testing.assert_allclose(rec.seen_weight_,
                                   red.sample_weight_ * w[red.sample_indices_])
        pipe.fit(X, y)  # no user weights: the reducer's still arrive
        np.testing.assert_allclose(pipe[-1].seen_weight_, pipe[0].sample_weight_)
        scores = cross_val_score(
            make_pipeline(RandomReducer(keep=0.5, random_state=0),
                          LogisticRegression(max_iter=500).set_fit_request(sample_weight=True)
                          .set_score_request(sample_weight=True)),
            X, y, cv=3, params={"sample_weight": w})
    assert scores.shape == (3,) and scores.mean() > 0.8


def test_weights_inside_gridsearch_and_cross_val_score(iris):
    X, y = iris
    w = np.linspace(1.0, 3.0, 150)
    pipe = make_pipeline(RandomReducer(random_state=0), Recorder())
    grid = GridSearchCV(pipe, {"randomreducer__keep": [0.3, 0.6]}, cv=3)
    grid.fit(X, y, recorder__sample_weight=w)
    best = grid.best_estimator_
    red, rec = best[0], best[-1]
    np.testing.assert_allclose(rec.seen_weight_, red.sample_weight_ * w[red.sample_indices_])
    scores = cross_val_score(
        make_pipeline(RandomReducer(keep=0.5, random_state=0), LogisticRegression(max_iter=500)),
        X, y, cv=3, params={"logisticregression__sample_weight": w})
    assert scores.shape == (3,) and scores.mean() > 0.8


def test_bad_weights_are_refused_with_clear_errors(iris):
    X, y = iris
    pipe = make_pipeline(RandomReducer(keep=0.2, random_state=0), Recorder())
    with pytest.raises(ValueError, match="one weight per row of X"):
        pipe.fit(X, y, recorder__sample_weight=np.ones(30))
    with pytest.raises(ValueError, match="only fit parameter is task"):
        pipe.fit(X, y, randomreducer__sample_weight=np.ones(150))


def test_fit_resample_stays_a_pair(iris):
    X, y = iris
    out = make_pipeline(StandardScaler(), RandomReducer(keep=0.1, random_state=0)).fit_resample(
        X, y)
    assert isinstance(out, tuple) and len(out) == 2


# ---------------------------------------------------------------- the one weight policy
def test_weight_policy_auto_skips_tree_models_unless_reweighted(monkeypatch):
    """'auto' passes reducer weights to linear models, not to tree ensembles (the quality
    benchmark's evidence), and always when a reducer fitted them on request."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    from datareduce._core.output import passes_weights, sample_weight_params

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(120, 3)), np.repeat([0, 1, 2], 40)
    w = np.ones(10)
    assert "sample_weight" in sample_weight_params(LogisticRegression(), w)
    assert sample_weight_params(HistGradientBoostingClassifier(), w) == {}
    assert "sample_weight" in sample_weight_params(HistGradientBoostingClassifier(), w,
                                                   pass_sample_weight=True)
    assert sample_weight_params(LogisticRegression(), w, pass_sample_weight=False) == {}
    srs_mmd = datareduce.get_reducer("srs", keep=0.25, reweight="mmd", random_state=0)
    assert passes_weights(HistGradientBoostingClassifier(), "auto", [srs_mmd])

    seen = {}
    original = HistGradientBoostingClassifier.fit

    def spy(self, X, y, sample_weight=None):
        seen["w"] = sample_weight
        return original(self, X, y, sample_weight=sample_weight)

    monkeypatch.setattr(HistGradientBoostingClassifier, "fit", spy)
    hgb = HistGradientBoostingClassifier(max_iter=5)
    datareduce.make_pipeline(datareduce.get_reducer("srs", keep=0.25, random_state=0),
                             hgb).fit(X, y)
    assert seen["w"] is None
    datareduce.make_pipeline(srs_mmd, HistGradientBoostingClassifier(max_iter=5)).fit(X, y)
    assert seen["w"] is not None and seen["w"].sum() == pytest.approx(120)
    datareduce.make_pipeline(datareduce.get_reducer("srs", keep=0.25, random_state=0),
                             HistGradientBoostingClassifier(max_iter=5),
                             pass_sample_weight=True).fit(X, y)
    assert seen["w"] is not None


# ------------------------------------------------ imbalanced-learn samplers beside reducers
@pytest.fixture
def skewed():
    from sklearn.datasets import make_classification

    return make_classification(300, 4, n_informative=3, n_redundant=0, weights=[0.8, 0.2],
                               random_state=0)


def test_sampler_after_a_reducer_keeps_rows_and_weights_aligned(skewed):
    """A sampler's sample_indices_ compose with the reducers': the model sees the weights of
    the rows it gets (before: a shape error, one weight per reducer row for fewer rows)."""
    from imblearn.under_sampling import RandomUnderSampler

    X, y = skewed
    w = np.linspace(1.0, 2.0, 300)
    pipe = Pipeline([("reduce", RandomReducer(keep=0.5, random_state=0)),
                     ("under", RandomUnderSampler(random_state=0)), ("rec", Recorder())])
    pipe.fit(X, y, rec__sample_weight=w)
    red, under, rec = pipe[0], pipe[1], pipe[-1]
    rows = red.sample_indices_[under.sample_indices_]
    assert rec.fit_rows_ == len(rows) < 150
    np.testing.assert_allclose(
        rec.seen_weight_, red.sample_weight_[under.sample_indices_] * w[rows])


def test_sampler_before_a_reducer_slices_the_user_weights_through_both(skewed):
    """Before: the user's weights were sliced through the reducer's rows only, which index
    the sampler's output, not X: every weight went to the wrong row, silently."""
    from imblearn.over_sampling import RandomOverSampler
    from imblearn.under_sampling import RandomUnderSampler

    X, y = skewed
    w = np.arange(1.0, 301.0)
    for sampler in (RandomUnderSampler(random_state=0), RandomOverSampler(random_state=0)):
        pipe = Pipeline([("sampler", sampler),
                         ("reduce", RandomReducer(keep=0.5, random_state=0)),
                         ("rec", Recorder())])
        pipe.fit(X, y, rec__sample_weight=w)
        s, red, rec = pipe[0], pipe[1], pipe[-1]
        rows = s.sample_indices_[red.sample_indices_]
        np.testing.assert_allclose(rec.seen_weight_, red.sample_weight_ * w[rows])
    # without any reducer, the user's weights are sliced through the sampler too
    pipe = Pipeline([("under", RandomUnderSampler(random_state=0)), ("rec", Recorder())])
    pipe.fit(X, y, rec__sample_weight=w)
    np.testing.assert_allclose(pipe[-1].seen_weight_, w[pipe[0].sample_indices_])


def test_sampler_that_synthesizes_rows(skewed):
    """SMOTE has no sample_indices_: a reducer after it weights the synthetic table (before:
    an IndexError); user weights per row of X cannot follow and are refused by name; the
    weights of a reducer before it cannot follow either (a warning under "auto", an error
    when asked for with True, nothing for a tree model that gets no weights anyway)."""
    from imblearn.over_sampling import SMOTE
    from sklearn.tree import DecisionTreeClassifier

    X, y = skewed
    pipe = Pipeline([("smote", SMOTE(random_state=0)),
                     ("reduce", RandomReducer(keep=0.5, random_state=0)), ("rec", Recorder())])
    pipe.fit(X, y)
    np.testing.assert_allclose(pipe[-1].seen_weight_, pipe[1].sample_weight_)
    with pytest.raises(ValueError, match="step 'smote' does not tell which rows"):
        pipe.fit(X, y, rec__sample_weight=np.ones(300))

    def before(model, **kw):
        return Pipeline([("reduce", RandomReducer(keep=0.5, random_state=0)),
                         ("smote", SMOTE(random_state=0)), ("m", model)], **kw)

    with pytest.warns(UserWarning, match=r"\['reduce'\] cannot reach 'm'.*'smote'"):
        before(Recorder()).fit(X, y)
    with pytest.raises(ValueError, match="Put the reducer after 'smote'"):
        before(Recorder(), pass_sample_weight=True).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        before(DecisionTreeClassifier()).fit(X, y)
        assert before(Recorder(), pass_sample_weight=False).fit(X, y)[-1].seen_weight_ is None


# ------------------------------------------------------- weights through meta-estimators
class RegRecorder(BaseEstimator):
    def fit(self, X, y, sample_weight=None):
        self.seen_weight_ = None if sample_weight is None else np.array(sample_weight, float)
        return self

    def predict(self, X):
        return np.zeros(len(X))


def test_weights_reach_a_model_inside_a_meta_estimator(iris):
    """TransformedTargetRegressor and the searches forward fit keyword arguments to their
    model: the reducer's weights reach it (before: silently dropped, since their own fit
    does not name sample_weight)."""
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.model_selection import RandomizedSearchCV
    from sklearn.neighbors import KNeighborsRegressor
    from sklearn.pipeline import make_pipeline as sk_make_pipeline

    from datareduce._core.output import accepts_sample_weight, weight_key

    X, y = iris
    ttr = TransformedTargetRegressor(regressor=RegRecorder(), func=np.log1p,
                                     inverse_func=np.expm1)
    pipe = Pipeline([("reduce", RandomReducer(keep=0.3, random_state=0)), ("m", ttr)])
    pipe.fit(X, y.astype(float))
    np.testing.assert_allclose(pipe[-1].regressor_.seen_weight_, pipe[0].sample_weight_)

    grid = GridSearchCV(sk_make_pipeline(StandardScaler(), Recorder()),
                        {"standardscaler__with_mean": [True, False]}, cv=2)
    assert weight_key(grid) == "recorder__sample_weight"
    w = np.linspace(1.0, 2.0, 150)
    pipe = Pipeline([("reduce", RandomReducer(keep=0.4, random_state=0)), ("m", grid)])
    pipe.fit(X, y, m__recorder__sample_weight=w)
    red = pipe[0]
    np.testing.assert_allclose(pipe[-1].best_estimator_[-1].seen_weight_,
                               red.sample_weight_ * w[red.sample_indices_])

    assert accepts_sample_weight(TransformedTargetRegressor())  # LinearRegression inside
    assert accepts_sample_weight(RandomizedSearchCV(LogisticRegression(), {"C": [1.0]}))
    assert not accepts_sample_weight(GridSearchCV(KNeighborsClassifier(), {"n_neighbors": [1]}))
    assert not accepts_sample_weight(TransformedTargetRegressor(KNeighborsRegressor()))
    with sklearn.config_context(enable_metadata_routing=True):
        # with routing on, the search forwards only what its model requested: not unwrapped
        assert not accepts_sample_weight(GridSearchCV(LogisticRegression(), {"C": [1.0]}))


def test_tree_models_are_recognised_inside_meta_estimators():
    """Under "auto" a wrapped tree is still a tree (before: CalibratedClassifierCV(forest),
    bagging and AdaBoost of their default trees got the weights the policy withholds)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.ensemble import (
        AdaBoostClassifier,
        BaggingClassifier,
        HistGradientBoostingRegressor,
        RandomForestClassifier,
        StackingClassifier,
        VotingClassifier,
    )
    from sklearn.tree import DecisionTreeClassifier

    from datareduce._core.output import is_tree_model, passes_weights

    trees = [CalibratedClassifierCV(RandomForestClassifier()), BaggingClassifier(),
             AdaBoostClassifier(), TransformedTargetRegressor(HistGradientBoostingRegressor()),
             GridSearchCV(RandomForestClassifier(), {"max_depth": [2]}),
             VotingClassifier([("a", RandomForestClassifier()),
                               ("b", DecisionTreeClassifier())]),
             make_pipeline(StandardScaler(), BaggingClassifier(DecisionTreeClassifier()))]
    others = [CalibratedClassifierCV(), BaggingClassifier(LogisticRegression()),
              TransformedTargetRegressor(), GridSearchCV(LogisticRegression(), {"C": [1.0]}),
              VotingClassifier([("a", RandomForestClassifier()),
                                ("b", LogisticRegression())]),
              StackingClassifier([("a", LogisticRegression())])]
    assert [is_tree_model(m) for m in trees] == [True] * len(trees)
    assert [is_tree_model(m) for m in others] == [False] * len(others)
    assert not any(passes_weights(m) for m in trees)
    assert passes_weights(CalibratedClassifierCV()) and passes_weights(
        BaggingClassifier(LogisticRegression()))


def test_a_search_whose_grid_swaps_the_model_gets_weights_only_when_every_model_takes_them(iris):
    """A grid that puts a model without sample_weight (KNN) in place of the default one: the
    reducer's weights are withheld, so that candidate trains and competes (before: it got
    ``m__sample_weight``, failed on every split and lost with a NaN score). A grid of trees
    counts as a tree model only when every model it swaps in is a tree."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import Pipeline as SkPipeline

    from datareduce._core.output import accepts_sample_weight, is_tree_model, passes_weights

    X, y = iris
    grid = GridSearchCV(SkPipeline([("sc", StandardScaler()), ("m", LogisticRegression())]),
                        {"m": [LogisticRegression(), KNeighborsClassifier()]}, cv=3)
    assert not accepts_sample_weight(grid)
    pipe = Pipeline([("reduce", RandomReducer(keep=0.5, random_state=0)), ("gs", grid)])
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # "fits failed" would be a UserWarning
        pipe.fit(X, y)
    assert np.isfinite(pipe[-1].cv_results_["mean_test_score"]).all()

    both = GridSearchCV(LogisticRegression(), [{"C": [1.0]}, {"solver": ["lbfgs"]}])
    assert accepts_sample_weight(both)
    mixed = GridSearchCV(SkPipeline([("m", RandomForestClassifier())]),
                         {"m": [RandomForestClassifier(), LogisticRegression()]})
    from sklearn.model_selection import RandomizedSearchCV

    forests = RandomizedSearchCV(SkPipeline([("m", RandomForestClassifier())]),
                                 {"m": [RandomForestClassifier(max_depth=2)],
                                  "m__n_estimators": [5, 10]})
    assert not is_tree_model(mixed) and passes_weights(mixed)  # both take weights, LR gains
    assert is_tree_model(forests) and not passes_weights(forests)


def test_voting_and_stacking_of_weighted_models_get_the_reducer_weights(iris):
    """scikit-learn 1.4 and later declare ``fit(X, y, **fit_params)`` on voting and stacking
    ensembles and accept ``sample_weight`` there (before: judged as not taking weights, so a
    voting of logistic regressions trained unweighted under "auto")."""
    from sklearn.ensemble import StackingClassifier, VotingClassifier

    from datareduce._core.output import accepts_sample_weight

    X, y = iris
    assert accepts_sample_weight(VotingClassifier([("a", LogisticRegression())]))
    assert accepts_sample_weight(StackingClassifier([("a", LogisticRegression())]))
    assert not accepts_sample_weight(
        VotingClassifier([("a", LogisticRegression()), ("b", KNeighborsClassifier())]))
    assert accepts_sample_weight(
        VotingClassifier([("a", LogisticRegression()), ("b", "drop")]))
    pipe = Pipeline([("reduce", RandomReducer(keep=0.5, random_state=0)),
                     ("m", VotingClassifier([("a", Recorder())]))])
    pipe.fit(X, y)
    np.testing.assert_allclose(pipe[-1].estimators_[0].seen_weight_, pipe[0].sample_weight_)


def test_a_nested_imblearn_pipeline_with_a_sampler_gets_no_unsliced_weights(iris):
    """imbalanced-learn's pipeline gives ``<last>__sample_weight`` to its model as it came,
    one per row before its sampler: the reducer's weights are withheld from it (before: the
    fit failed on a length mismatch). The package's own pipeline slices them and gets them."""
    from imblearn.pipeline import Pipeline as ImbPipeline
    from imblearn.under_sampling import RandomUnderSampler

    from datareduce._core.output import accepts_sample_weight

    X, y = iris
    inner = ImbPipeline([("s", RandomUnderSampler(random_state=0)), ("m", Recorder())])
    assert not accepts_sample_weight(inner)
    pipe = Pipeline([("reduce", RandomReducer(keep=0.5, random_state=0)), ("inner", inner)])
    pipe.fit(X, y)
    assert pipe[-1][-1].seen_weight_ is None
    ours = Pipeline([("s", RandomUnderSampler(random_state=0)), ("m", Recorder())])
    assert accepts_sample_weight(ours)
    outer = Pipeline([("reduce", RandomReducer(keep=0.5, random_state=0)), ("inner", ours)])
    outer.fit(X, y)
    red, sampler = outer[0], outer[-1][0]
    np.testing.assert_allclose(outer[-1][-1].seen_weight_,
                               red.sample_weight_[sampler.sample_indices_])


def test_metadata_routing_reducer_weights_go_where_a_model_requested_them(iris):
    """With routing on, a final step that routes (a pipeline, a search) gets the reducers'
    weights when a model in it requested ``sample_weight``, and only then (before: a
    pipeline of unrequesting steps failed with UnsetMetadataPassedError on weights the user
    never passed, and a search whose model requested them got none); an unset request beside
    the model is a ValueError saying where the weights come from and the ways out."""
    from sklearn.pipeline import Pipeline as SkPipeline

    X, y = iris
    with sklearn.config_context(enable_metadata_routing=True):
        plain = SkPipeline([("sc", StandardScaler()), ("rec", Recorder())])
        pipe = Pipeline([("reduce", RandomReducer(keep=0.4, random_state=0)), ("m", plain)])
        pipe.fit(X, y)
        assert pipe[-1][-1].seen_weight_ is None and pipe[-1][-1].fit_rows_ == 60

        grid = GridSearchCV(TaggedRecorder().set_fit_request(sample_weight=True)
                            .set_score_request(sample_weight=False), {"tag": [0, 1]}, cv=2)
        pipe = Pipeline([("reduce", RandomReducer(keep=0.4, random_state=0)), ("m", grid)])
        pipe.fit(X, y)
        np.testing.assert_allclose(pipe[-1].best_estimator_.seen_weight_,
                                   pipe[0].sample_weight_)

        unset = SkPipeline([("sc", StandardScaler()),
                            ("rec", Recorder().set_fit_request(sample_weight=True))])
        pipe = Pipeline([("reduce", RandomReducer(keep=0.4, random_state=0)), ("m", unset)])
        with pytest.raises(ValueError, match="(?s)requested sample_weight.*StandardScaler.*"
                                             "pass_sample_weight=False"):
            pipe.fit(X, y)
        pipe.set_params(pass_sample_weight=False).fit(X, y)
        assert pipe[-1][-1].seen_weight_ is None


class WeightedStep(TransformerMixin, BaseEstimator):
    """A transformer that records the sample weights its fit received."""

    def fit(self, X, y=None, sample_weight=None):
        self.rows_, self.seen_weight_ = len(X), sample_weight
        return self

    def transform(self, X):
        return X


def test_a_step_after_a_resampling_step_gets_its_weights_for_the_rows_it_sees(iris):
    """Per-row weights for a transformer after a reducer or sampler are sliced to the rows
    it is fitted on, without routing (``step__sample_weight``) and with it (before: the
    transformer got one weight per row of X, a length error in any weighted fit); after a
    sampler without ``sample_indices_`` that cannot be done and is said by step name."""
    from imblearn.over_sampling import SMOTE
    from imblearn.under_sampling import RandomUnderSampler

    X, y = iris
    w = np.arange(1.0, 151.0)
    pipe = Pipeline([("r", RandomReducer(keep=0.5, random_state=0)),
                     ("u", RandomUnderSampler(random_state=0)), ("t", WeightedStep()),
                     ("m", Recorder())])
    pipe.fit(X, y, t__sample_weight=w, m__sample_weight=w)
    rows = pipe[0].sample_indices_[pipe[1].sample_indices_]
    assert pipe[2].rows_ == len(rows)
    np.testing.assert_allclose(pipe[2].seen_weight_, w[rows])
    np.testing.assert_allclose(pipe[-1].seen_weight_, w[rows] * pipe[0].sample_weight_[
        pipe[1].sample_indices_])
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = Pipeline([("r", RandomReducer(keep=0.5, random_state=0)),
                         ("t", WeightedStep().set_fit_request(sample_weight=True)),
                         ("m", Recorder().set_fit_request(sample_weight=False))])
        pipe.fit(X, y, sample_weight=w)
        np.testing.assert_allclose(pipe[1].seen_weight_, w[pipe[0].sample_indices_])
    pipe = Pipeline([("s", SMOTE(random_state=0)), ("t", WeightedStep()), ("m", Recorder())])
    with pytest.raises(ValueError, match="step 't'.*step 's' before it"):
        pipe.fit(X[:120], y[:120], t__sample_weight=w[:120])
    pipe = Pipeline([("r", RandomReducer(keep=0.5, random_state=0)), ("t", WeightedStep()),
                     ("m", Recorder())])
    for bad in (np.ones(200), np.ones(100), np.ones(75)):  # longer, shorter, the kept rows
        with pytest.raises(ValueError, match=r"sample_weight for 't' has shape .* but X has "
                                             "150 rows"):
            pipe.fit(X, y, t__sample_weight=bad)


def test_weights_for_every_step_of_a_nested_pipeline_follow_the_rows(iris):
    """``inner__t__sample_weight`` for a middle step of a nested final pipeline is sliced
    like the inner model's (before: only the model's key was, the middle step got one weight
    per row of X)."""
    from sklearn.pipeline import Pipeline as SkPipeline

    X, y = iris
    w = np.arange(1.0, 151.0)
    inner = SkPipeline([("t", WeightedStep()), ("m", Recorder())])
    pipe = Pipeline([("r", RandomReducer(keep=0.5, random_state=0)), ("inner", inner)])
    pipe.fit(X, y, inner__t__sample_weight=w, inner__m__sample_weight=w)
    rows = pipe[0].sample_indices_
    np.testing.assert_allclose(pipe[-1][0].seen_weight_, w[rows])
    np.testing.assert_allclose(pipe[-1][-1].seen_weight_, w[rows] * pipe[0].sample_weight_)


def test_a_reducer_step_takes_task_and_refuses_other_fit_parameters():
    """60 integer-coded classes of 10 rows look like a regression target to the one rule;
    ``<step>__task='classification'`` says they are classes (before: refused as 'no fit
    parameters', and imbalanced-learn would have handed it to fit only, not fit_resample)."""
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(60), 10)
    X = rng.normal(size=(600, 3)) + y[:, None] * 0.1
    pipe = make_pipeline(StratifiedRandomReducer(keep=0.1, random_state=0), Recorder())
    # before a classifier the pipeline passes the estimator's task (review6/r3 01), as
    # compare and the search decide it, silently; before a step of neither type the rule
    pipe.fit(X, y)
    assert pipe[0].target_type_ == "multiclass"
    pipe = make_pipeline(StratifiedRandomReducer(keep=0.1, random_state=0), "passthrough")
    with pytest.warns(UserWarning, match=r"stratifiedrandomreducer__task|<step>__task"):
        pipe.fit(X, y)
    assert pipe[0].target_type_ == "continuous"
    pipe = make_pipeline(StratifiedRandomReducer(keep=0.1, random_state=0), Recorder())
    pipe.fit(X, y, stratifiedrandomreducer__task="classification")
    assert pipe[0].target_type_ == "multiclass"
    assert len(np.unique(y[pipe[0].sample_indices_])) == 60  # every class kept
    with pytest.raises(ValueError, match=r"only fit parameter is task.*\['random_state'\]"):
        pipe.fit(X, y, stratifiedrandomreducer__random_state=3)


def test_with_metadata_routing_a_requested_task_reaches_the_reducer():
    """With scikit-learn's metadata routing on, ``reducer.set_fit_request(task=True)`` and
    ``pipe.fit(X, y, task=...)`` tell the reducer what y is, through ``fit``,
    ``fit_predict`` and a cross-validation's ``params`` (before: accepted and silently
    dropped, the 60 classes were stratified as a regression target); ``<step>__task``, which
    scikit-learn refuses under routing, gets an error saying how to request it."""
    from sklearn.model_selection import cross_validate

    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(60), 10)
    X = rng.normal(size=(600, 3)) + y[:, None] * 0.1
    with sklearn.config_context(enable_metadata_routing=True):
        reducer = StratifiedRandomReducer(keep=0.1, random_state=0).set_fit_request(task=True)
        pipe = Pipeline([("r", reducer), ("m", Recorder())])
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no "treated as a regression target" warning
            pipe.fit(X, y, task="classification")
        assert pipe[0].target_type_ == "multiclass"
        assert len(np.unique(y[pipe[0].sample_indices_])) == 60  # every class kept

        class Clusters(Recorder):
            def fit_predict(self, X, y, sample_weight=None):
                return self.fit(X, y, sample_weight).predict(X)

        pipe = Pipeline([("r", clone(reducer)), ("m", Clusters())])
        pipe.fit_predict(X, y, task="classification")
        assert pipe[0].target_type_ == "multiclass"

        pipe = Pipeline([("r", clone(reducer).set_params(keep=0.2)), ("m", Recorder())])
        out = cross_validate(pipe, X, y, cv=2, params={"task": "classification"},
                             return_estimator=True)
        assert [e[0].target_type_ for e in out["estimator"]] == ["multiclass"] * 2

        with pytest.raises(TypeError, match=r"named_steps\['r'\]\.set_fit_request\(task=True\)"):
            Pipeline([("r", StratifiedRandomReducer(keep=0.1)), ("m", Recorder())]).fit(
                X, y, r__task="classification")


def test_a_slice_keeps_the_pipelines_own_parameters(iris):
    """``pipe[1:]`` is a Pipeline with the same ``pass_sample_weight`` and ``transform_input``
    (and memory, verbose) as ``pipe`` (before: ``pass_sample_weight`` reverted to "auto", so
    refitting the slice weighted a model the user had asked to fit unweighted)."""
    X, y = iris
    pipe = Pipeline([("scale", StandardScaler()),
                     ("reduce", RandomReducer(keep=0.5, random_state=0)),
                     ("model", Recorder())],
                    pass_sample_weight=False, transform_input=["groups"], verbose=False)
    sub = pipe[1:]
    assert isinstance(sub, Pipeline)
    assert sub.pass_sample_weight is False
    assert sub.transform_input == ["groups"]
    assert [name for name, _ in sub.steps] == ["reduce", "model"]
    sub.set_params(transform_input=None).fit(X, y)  # (transform_input needs routing)
    assert sub.named_steps["model"].seen_weight_ is None  # unweighted, as asked
    assert pipe[:-1].pass_sample_weight is False
    assert pipe[-1] is pipe.named_steps["model"] and pipe["reduce"] is pipe.steps[1][1]


def test_fit_transform_and_fit_predict_return_the_kept_rows_only(iris):
    """As imbalanced-learn's pipeline does for every sampler (documented there: fit_transform
    is not fit(X).transform(X)), ``fit_transform`` / ``fit_predict`` return the final step's
    output for the rows it was fitted on: the kept rows, in ``sample_indices_`` order; the
    ``transform`` / ``predict`` that follow see every row. Kept as documented behaviour."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA

    X, y = iris
    pipe = Pipeline([("r", StratifiedRandomReducer(keep=0.2, random_state=0)), ("pca", PCA(2))])
    Z = pipe.fit_transform(X, y)
    rows = pipe[0].sample_indices_
    assert Z.shape == (30, 2)
    np.testing.assert_allclose(Z, pipe.transform(X)[rows])
    assert pipe.transform(X).shape == (150, 2)

    pipe = Pipeline([("r", StratifiedRandomReducer(keep=0.2, random_state=0)),
                     ("km", KMeans(3, n_init=2, random_state=0))])
    labels = pipe.fit_predict(X, y)
    assert labels.shape == (30,)
    np.testing.assert_array_equal(labels, pipe.predict(X)[pipe[0].sample_indices_])
