//! Pinned installs shared by `api-fuzz` and `compat`: a tool's packages are (re)installed only
//! when their pin file changed, recorded by a copy of that file (the stamp) next to the install.

use std::path::Path;
use std::process::Command;

/// Runs `command`; an error names `what` and the exit status.
pub fn run_checked(command: &mut Command, what: &str) -> Result<(), String> {
    let status = command.status().map_err(|e| format!("cannot run {what}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

/// True when `stamp` holds exactly the bytes of `pins` (the install it records is current).
pub fn is_current(pins: &Path, stamp: &Path) -> Result<bool, String> {
    let wanted = std::fs::read(pins).map_err(|e| format!("{}: {e}", pins.display()))?;
    Ok(std::fs::read(stamp).is_ok_and(|installed| installed == wanted))
}

/// A venv at `venv` holding exactly `requirements` (every package pinned, dependencies included,
/// hence `--no-deps`), rebuilt from scratch when the file changed. `$PYTHON` picks the
/// interpreter (default `python3`).
pub fn python_venv(requirements: &Path, venv: &Path, label: &str) -> Result<(), String> {
    let stamp = venv.join("astral-requirements.txt");
    if venv.join("bin/python").exists() && is_current(requirements, &stamp)? {
        return Ok(());
    }
    println!("{label}: installing {} into {}", requirements.display(), venv.display());
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    run_checked(
        Command::new(&python).args(["-m", "venv", "--clear"]).arg(venv),
        &format!("{python} -m venv"),
    )?;
    run_checked(
        Command::new(venv.join("bin/python"))
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-input",
                "--no-deps",
                "-r",
            ])
            .arg(requirements),
        &format!("pip install -r {}", requirements.display()),
    )?;
    std::fs::copy(requirements, &stamp).map_err(|e| e.to_string())?;
    Ok(())
}
