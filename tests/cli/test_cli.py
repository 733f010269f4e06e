import re

from ember.cli import main


def test_info_names_the_version_and_devices(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^ember \d+\.\d+\.\d+", out, re.M) and "devices: cpu" in out
    assert re.search(r"^distributed: (MPI through mpi4py \S+|not installed)", out, re.M)


def test_demo_trains_the_digits_cnn_to_high_accuracy(tmp_path, capsys):
    assert main(["demo", "--epochs", "3", "--out", str(tmp_path / "runs")]) == 0
    out = capsys.readouterr().out
    losses = [float(x) for x in re.findall(r"- loss: (\d+\.\d+)", out)]
    assert len(losses) == 3 and losses[-1] < losses[0]
    assert "val_accuracy" in out  # fit's validation_split
    accuracy = float(re.search(r"test accuracy (\d+\.\d+)%\n*$", out).group(1))
    assert accuracy > 90.0
    saved = tmp_path / "runs" / "digits_cnn.ember"
    assert saved.exists() and f"saved to {saved}" in out
    import ember

    assert ember.models.load_model(saved).count_params() > 30_000


def test_inspect_lists_a_checkpoint_without_running_it(tmp_path, capsys):
    import ember

    path = tmp_path / "ckpt.safetensors"
    ember.save({"model": {"fc.weight": ember.zeros(3, 4)}, "epoch": 2}, str(path))
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "fc.weight" in out and "[3, 4]" in out


def test_inspect_of_a_missing_file_fails_clearly(tmp_path, capsys):
    assert main(["inspect", str(tmp_path / "nope.ember")]) == 1
    assert "ember inspect:" in capsys.readouterr().err
